"""Drawing small fully connected networks with matplotlib."""

import matplotlib.pyplot as plt
from matplotlib.patches import Circle


def draw_network(sizes, ax=None, *, node_labels=None, layer_labels=None,
                 edge_labels=None, edge_colors=None, node_color="white",
                 radius=0.12, title=None):
    """Draw a layered network with inputs on the left and outputs on the right.

    sizes: number of units per layer, inputs first, e.g. ``[2, 3, 1]``.
    node_labels: optional ``{(layer, unit): text}`` written inside the circles.
    layer_labels: optional list of texts written under each layer.
    edge_labels: optional ``{(layer, j, k): text}`` for the edge from unit ``j``
        of ``layer`` to unit ``k`` of ``layer + 1`` (row convention: ``W[j, k]``).
    edge_colors: optional ``{(layer, j, k): colour}``.
    Returns the axes.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(1.8 * len(sizes) + 1, 1.0 * max(sizes) + 1))
    node_labels = node_labels or {}
    edge_labels = edge_labels or {}
    edge_colors = edge_colors or {}
    tallest = max(sizes)

    def centre(layer, unit):
        # Centre every layer on y = 0; unit 0 is drawn at the top.
        return layer * 1.5, (sizes[layer] - 1) / 2 - unit

    for layer in range(len(sizes) - 1):
        for j in range(sizes[layer]):
            for k in range(sizes[layer + 1]):
                (x0, y0), (x1, y1) = centre(layer, j), centre(layer + 1, k)
                color = edge_colors.get((layer, j, k), "0.55")
                ax.plot([x0, x1], [y0, y1], color=color, lw=1.2, zorder=1)
                if (layer, j, k) in edge_labels:
                    # Put the label a third of the way along, where edges fan out.
                    tx, ty = x0 + (x1 - x0) / 3, y0 + (y1 - y0) / 3
                    ax.text(tx, ty, edge_labels[(layer, j, k)], ha="center", va="center",
                            fontsize=9, bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none"),
                            zorder=3)
    for layer, n_units in enumerate(sizes):
        for unit in range(n_units):
            x, y = centre(layer, unit)
            ax.add_patch(Circle((x, y), radius * 1.6, fc=node_color, ec="black", lw=1.4, zorder=2))
            if (layer, unit) in node_labels:
                ax.text(x, y, node_labels[(layer, unit)], ha="center", va="center",
                        fontsize=9, zorder=4)
        if layer_labels is not None:
            ax.text(layer * 1.5, -tallest / 2 - 0.1, layer_labels[layer],
                    ha="center", va="top", fontsize=10)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_xlim(-0.5, 1.5 * (len(sizes) - 1) + 0.5)
    ax.set_ylim(-tallest / 2 - 0.8, tallest / 2 + 0.1)
    if title:
        ax.set_title(title)
    return ax
