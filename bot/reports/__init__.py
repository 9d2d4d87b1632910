"""Program health for organizers: `/mentor report` and `mentorbot report`."""
