"""The web pages: a small Flask application that translates HTTP to `bot.app.web.WebPages`
calls and renders their answers with Jinja2 templates."""
