// Loaded before the theme's FontAwesome script: keep <i class="fa ..."> elements (nest the SVG
// inside) so ipywidgets' Play button still finds its icon on the static site.
window.FontAwesomeConfig = { autoReplaceSvg: "nest" };

// The widget manager typesets widget labels with the MathJax 2 API (MathJax.Hub.Queue), but the
// book loads MathJax 3, which has no Hub: on a page with both math and widgets every widget
// threw "Cannot read properties of undefined (reading 'Queue')". Give whatever object ends up in
// window.MathJax (the config now, MathJax 3 itself once loaded) a Hub that forwards to MathJax 3.
(function () {
  var hub = {
    Queue: function (cmd) {
      var mj = window.MathJax, el = Array.isArray(cmd) ? cmd[2] : undefined;
      if (mj && typeof mj.typesetPromise === "function") {
        mj.typesetPromise(el ? [el] : undefined).catch(function () {});
      }
    },
  };
  var current = window.MathJax;
  if (current && typeof current === "object" && !current.Hub) current.Hub = hub;
  Object.defineProperty(window, "MathJax", {
    configurable: true,
    get: function () { return current; },
    set: function (value) {
      current = value;
      if (value && typeof value === "object" && !value.Hub) value.Hub = hub;
    },
  });
})();
