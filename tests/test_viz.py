"""Display helpers return objects that render inline, and animations need no network."""
import re

import matplotlib.figure
import numpy as np
import torch

from aigc_lab import train, viz


def test_loss_curve_plots_train_and_eval():
    history = train.History(steps=[10, 20], train_loss=[2.0, 1.0], evals=[{"step": 20, "val": 1.2}])
    fig = viz.loss_curve(history, baseline=2.5)
    assert isinstance(fig, matplotlib.figure.Figure)
    labels = [line.get_label() for line in fig.axes[0].get_lines()]
    assert "train" in labels and "val" in labels and "baseline" in labels


def test_image_grid_accepts_gray_and_colour():
    fig = viz.image_grid(torch.rand(5, 1, 8, 8), titles=list("abcde"), nrow=3)
    assert len(fig.axes) == 6
    assert isinstance(viz.image_grid(np.random.rand(2, 3, 8, 8)), matplotlib.figure.Figure)


def test_audio_player_embeds_wav():
    player = viz.audio(torch.sin(torch.linspace(0, 400, 8000)), 8000)
    assert "audio" in player._repr_html_()


def test_animation_is_self_contained_html():
    video = torch.rand(4, 8, 8)
    html = viz.animation(video, video.flip(0), titles=["a", "b"]).data
    assert "<script" in html and "img" in html.lower()
    remote = re.findall(r"""(?:src|href)=["'](https?:[^"']+)""", html)
    assert not remote, f"animation loads from the network: {remote}"
    assert 'class="fa' not in html, "player icons must not need Font Awesome"


def test_panel_responds_to_a_slider_without_a_browser():
    import ipywidgets as widgets
    import matplotlib.pyplot as plt

    def render(w):
        fig, ax = plt.subplots()
        ax.plot([0, 1], [0, w])
        return fig

    slider = widgets.FloatSlider(value=1.0, min=-2, max=2)
    box = viz.panel(render, w=slider)
    view = box.children[-1].children[0]
    before = view.value
    slider.value = -1.5
    assert view.value != before and len(view.value) > 100


def test_panel_with_button_renders_text_on_click():
    import ipywidgets as widgets

    prompt = widgets.Text(value="abc")
    box = viz.panel(lambda prompt: prompt.upper() + " <done>", button="Go", prompt=prompt)
    button, view = box.children[1], box.children[-1].children[0]
    assert "ABC &lt;done&gt;" in view.value
    prompt.value = "xyz"
    assert "ABC" in view.value          # no update until the click
    button.click()
    assert "XYZ" in view.value
