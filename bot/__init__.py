"""mentorbot core: the platform-free domain, rules, storage and command registry."""

__version__ = "0.1.0"
