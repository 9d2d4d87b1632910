"""Interest groups: membership, channel bindings, organizers and the weekly digest."""
