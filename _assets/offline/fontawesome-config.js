// Loaded before the theme's FontAwesome script: keep <i class="fa ..."> elements (nest the SVG
// inside) so ipywidgets' Play button still finds its icon on the static site.
window.FontAwesomeConfig = { autoReplaceSvg: "nest" };
