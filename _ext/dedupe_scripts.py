"""Work around a Jupyter Book 1 / sphinx-thebe interaction that adds sphinx-thebe's inline
configuration script twice to every page (``const THEBE_JS_URL`` declared twice is a console
SyntaxError). Drop exact duplicate script entries before each page is rendered."""


def _dedupe(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, unique = set(), []
    for js in scripts:
        key = (getattr(js, "filename", str(js)) or "",  # inline scripts: None or ""
               tuple(sorted(getattr(js, "attributes", {}).items())))
        if key not in seen:
            seen.add(key)
            unique.append(js)
    context["script_files"] = unique


def setup(app):
    app.connect("html-page-context", _dedupe, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
