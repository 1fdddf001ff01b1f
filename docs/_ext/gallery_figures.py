"""The gallery's image scraper (docs/conf.py names it in ``image_scrapers``)."""


def figure_scraper(block, block_vars, gallery_conf, **kwargs):
    """pyplot's figures, and the Figures an example holds in a variable.

    :mod:`imbnn.plotting` returns figures made without pyplot (nothing is shown or
    kept open), which sphinx-gallery's own scraper cannot see; an example that
    keeps one in a variable gets it on its page, each figure once.
    """
    from matplotlib.figure import Figure
    from sphinx_gallery.scrapers import figure_rst, matplotlib_scraper

    import matplotlib.pyplot as plt

    namespace = block_vars["example_globals"]
    shown = namespace.setdefault("__imbnn_shown_figures__", set())
    # pyplot's open figures are sphinx-gallery's (it closes them once saved).
    shown.update(id(plt.figure(number)) for number in plt.get_fignums())
    rst = matplotlib_scraper(block, block_vars, gallery_conf, **kwargs)
    paths = []
    for value in list(namespace.values()):
        if isinstance(value, Figure) and id(value) not in shown:
            shown.add(id(value))
            path = next(block_vars["image_path_iterator"])
            value.savefig(path, dpi=80)
            paths.append(path)
    return rst + (figure_rst(paths, gallery_conf["src_dir"]) if paths else "")
