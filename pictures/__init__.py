"""
Pictures: images staff upload (or an import brings) and articles show.

Each upload is checked, stripped of everything about the photographer and
resized once (``processing.py``), stored through Django's storage API under a
name that carries its content's hash (``store.py``), and rendered as a
``<picture>`` with ``srcset``/``sizes`` wherever an article places it
(``html.py``; ``![alt](picture:ID)`` in Markdown, or the featured image).
"""
