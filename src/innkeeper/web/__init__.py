"""The web app: server-rendered pages for guests, hosts and admins.

Every page calls the same services as the JSON API; nothing here decides anything the API
would decide differently. Pages authenticate with the session cookie only, carry their CSRF
token in a form field, and render refusals beside the field they concern.
"""
