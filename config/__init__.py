"""
The project package: what puts the apps together into one site.

Settings, URLs, the WSGI and ASGI entry points, the admin site, the system
checks of settings that go wrong together, the health check and the error
pages. The apps (``blog``, ``comments``, ``wordpress``) never import it.
"""
