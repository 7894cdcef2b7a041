"""One router module per API group; serve_app.gateway composes them into the app."""
