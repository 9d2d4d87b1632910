"""The closed vocabularies of the domain, each in one place: stages, mentor kinds, specialties, letter states, kinds and portals."""
