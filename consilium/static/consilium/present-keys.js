// Arrow keys follow the presentation view's previous/next links; the links work without it.
document.addEventListener("keydown", function (e) {
  if (e.altKey || e.ctrlKey || e.metaKey || /INPUT|TEXTAREA|SELECT/.test(e.target.tagName)) return;
  var link = document.querySelector('a[data-key="' + e.key + '"]');
  if (link) { window.location.href = link.href; }
});
