"""
"Email me new articles": the page where a reader follows the blog by email.

``views.py`` (the page and its POST, HTTP only), ``forms.py`` (the address).
What a follow does, and the consent it asks for, is comments/mail's
(``subscriptions.follow``); what followers are sent, ``mail/followers.py``.
"""
