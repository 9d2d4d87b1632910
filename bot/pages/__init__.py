"""The web pages as the web adapter sees them (`port.WebPort`): the organizer's dashboard
built from the report's figures and the student's plan page from the residency plan. Above
`reports` and `residency` in the layers; `bot.web` beneath them holds what those features
need to offer a page (links, their wording, the key store)."""
