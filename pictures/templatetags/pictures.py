"""``{% picture p %}``: a picture's markup in a template (pictures/html.py)."""

from django import template

from pictures.html import picture_html

register = template.Library()


@register.simple_tag
def picture(picture, lazy=True, sizes=""):
    return picture_html(picture, lazy=lazy, sizes=sizes)
