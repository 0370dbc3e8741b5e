"""
Publish the blog's first article, "Unlocking Relief", as the original page read.

The text is kept here, in Markdown, so that every clone and every test database
has it without the capture it was transcribed from.
"""

from django.db import migrations
from django.utils import timezone

from blog.markup import render_markdown

SLUG = "unlocking-relief-can-massage-therapy-stop-foot-cramps-for-good"
TITLE = "Unlocking Relief: Can Massage Therapy Stop Foot Cramps for Good?"
STANDFIRST = "Does Massage Help Foot Cramps?"
BODY = """\
## Understanding the Relationship Between Massage Therapy and Foot Cramps

### What are Foot Cramps and How Do They Affect People?

Foot cramps are a type of muscle spasms that occur in the feet, legs, or toes. They can be \
painful and can be caused by various factors such as overuse, dehydration, medication side \
effects, or underlying medical conditions like peripheral artery disease. Research suggests \
that up to 70% of people experience foot cramps at some point in their lives.

### Understanding What Triggers Foot Cramps

Several factors can lead to foot cramps, including:

- **Electrolyte imbalance:** Low levels of essential minerals such as potassium, sodium, or \
calcium can cause muscle cramps.
- **Lack of hydration:** Inadequate water intake can lead to muscle cramp due to increased \
osmolality in the body fluids.
- **Medical conditions:** Certain medical conditions like diabetes, hypokalemia (low blood \
potassium), and hypercalcemia (high blood calcium) can predispose individuals to foot cramps.

## Can Massage Indeed Help Relieve Foot Cramps?

Yes! Research indicates that massage therapy may be beneficial for relieving muscle cramp. \
A controlled study has demonstrated significant reduction in foot cramps symptoms after a \
one-hour massage treatment session.

Massage techniques that involve applying deep mechanical pressure, friction, and oscillations \
can:

- **Relax muscles:** Muscle relaxation reduces spasms and decreases discomfort.
- **Improve circulation:** Enhanced blood flow can boost oxygen delivery to the affected area.
- **Break cycle of stress and muscle activation:** By releasing tight muscles, a massage \
session helps manage physical strain.

## Using Massage for Long-Term Relief from Foot Cramps

While massage has shown potential benefits, evidence regarding long-term effectiveness is \
still scarce. However, numerous studies suggest that short courses of massage can lead to \
sustained relief in other medical conditions.

### Incorporating Essential Oils into Foot Massage Therapy

Some essential oils may be beneficial for enhancing relaxation and physical recovery during \
a foot massage.

- **Lavender oil:** The calming scent may contribute to increased muscle relaxation.
- **Peppermint oil:** A refreshing essence that may complement the relaxing effects of \
massage.
- **Ginger oil:** Its heat component might influence reduced pain perception and increase \
circulation.

Always use high-quality essential oils and blend them properly to suit your individual \
needs. It is always advised to consult a healthcare professional before utilizing these \
products for therapeutic purposes.

### Incorporating Stretches into Foot Massage Therapy

To experience the long-term benefits of massage, you should perform regular home exercises \
between sessions.

Regular stretching can maintain muscle flexibility and prevent future cramp episodes by:

- **Stretching tight ligaments:** Decreases rigidity in nearby tendons.
- **Enhancing nerve pathways:** Maintains better communication and efficiency between muscles.
- **Regulating movement:** Improves general muscular and joint function

## Using Massage as a Therapeutic Complement to Physical Exercise

While physical activity is typically associated with health benefits, intense physical \
training can indeed contribute to muscle strains.

By using massage alongside exercise to promote faster recovery:

### Promoting Muscle Recovery

Massage aids in alleviating pain after tough physical sessions. Additionally, regular foot \
massage has been shown to enhance running performance and endurance by helping relax the \
muscles that support these activities.

Some excellent approaches for integrating massage into your workout routine include starting \
with shorter massage routines at home or arranging professional massages regularly for \
optimal recovery.

### Creating a Balanced Exercise Routine

Combine gentle to moderate physical exercises like yoga, jogging, or weightlifting. Be \
mindful of pushing yourself beyond comfortable limits or overworking the specific muscle \
groups affected during training sessions.

To effectively manage stress during particularly intense periods on your fitness schedule:

1. **Consult your doctor:** Prioritize discussions about exercise and physical well-being if \
you\N{RIGHT SINGLE QUOTATION MARK}re unsure.
2. **Keep a sports diary:** Schedule massages after a workout to maximize potential recovery \
benefits; plan for regular check-ins with masseuses for optimal overall results.

## Conclusion

Incorporating massage into your regime may have long-lasting benefits towards alleviating \
some common discomfort, particularly with relieving muscle cramps and facilitating rest \
during periods of extensive physical exercise.
"""


def publish_seed_article(apps, schema_editor):
    Article = apps.get_model("blog", "Article")
    Article.objects.update_or_create(
        slug=SLUG,
        defaults={
            "title": TITLE,
            "standfirst": STANDFIRST,
            "body": BODY,
            # Historical models have no custom save(), so render here.
            "body_html": render_markdown(BODY),
            "status": "published",
            "published_at": timezone.now(),
        },
    )


def remove_seed_article(apps, schema_editor):
    Article = apps.get_model("blog", "Article")
    Article.objects.filter(slug=SLUG).delete()


class Migration(migrations.Migration):
    dependencies = [("blog", "0001_initial")]

    operations = [migrations.RunPython(publish_seed_article, remove_seed_article)]
