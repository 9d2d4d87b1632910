"""`/mentor profile`: one command over a person's own record across features: their zone,
stage and interests (people), a faculty member's capacity and time away (matching's
availability), their quiet hours (nudges). Above matching in the layers, so people itself
knows nothing of matching."""
