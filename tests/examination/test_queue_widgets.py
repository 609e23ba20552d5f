"""The queue's filter widgets, rendered once per language while the queue is not filtered, are the form's own."""

from django.utils import translation

from ruanzhu.examination.forms import QueueFilterForm
from ruanzhu.examination.views import _filter_widgets


def test_the_unfiltered_widgets_are_those_the_form_renders_in_each_language():
    for language in ("zh-hans", "en"):
        with translation.override(language):
            for data in ({}, {"tab": "examining", "after": "1_2"}):
                form = QueueFilterForm(data)
                widgets = _filter_widgets(form)
                assert widgets == {name: str(QueueFilterForm(data)[name]) for name in form.fields}


def test_a_filtered_queue_renders_its_values():
    form = QueueFilterForm({"owner": "柯萝", "claimed": "mine", "service": ""})
    widgets = {name: str(widget) for name, widget in _filter_widgets(form).items()}
    assert 'value="柯萝"' in widgets["owner"]
    assert 'value="mine" selected' in widgets["claimed"]
    assert widgets != _filter_widgets(QueueFilterForm({}))
