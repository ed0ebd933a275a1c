// A crash of the wasm module must not leave a silently dead page. The release build panics
// with `-Cpanic=immediate-abort` (docs/decisions.md 35): no Rust code runs on a panic, the
// module traps, and the trap reaches the page as a `WebAssembly.RuntimeError`, thrown out of
// an event handler (`error`) or out of an async task (`unhandledrejection`). This script is
// inline in the page's head, so it is listening before the module loads, and it needs nothing
// from the (dead) module: it puts a "Something went wrong — reload" banner at the top of the
// page and reports the crash once to the server log with sendBeacon.
//
// The server fills in the report's path and its largest size (orgdesk_types::panic_report)
// and leaves out the comments (app/src/lib.rs).
(function () {
  var seen = false;
  function crashed(error) {
    if (seen || !(error instanceof WebAssembly.RuntimeError)) return;
    seen = true;
    // Reset and cancel links carry their token in the path: never send it.
    var page = location.pathname.indexOf('/reset-password/') === 0
      ? '/reset-password/[token]'
      : location.pathname;
    var text = (error.stack || String(error)) + '\npage: ' + page;
    try {
      navigator.sendBeacon('__PATH__', text.slice(0, __MAX_CHARS__));
    } catch (e) {}
    var banner = document.createElement('div');
    banner.id = 'panic-banner';
    banner.className = 'panic-banner';
    banner.setAttribute('role', 'alert');
    var message = document.createElement('span');
    message.textContent =
      'Something went wrong — reload the page to carry on. Changes you already saved are kept.';
    // A link to this very page: reloading needs no script. `rel="external"` keeps the
    // router from intercepting the click.
    var reload = document.createElement('a');
    reload.className = 'btn btn--primary';
    reload.rel = 'external';
    reload.href = location.href;
    reload.textContent = 'Reload';
    banner.append(message, reload);
    document.body.prepend(banner);
  }
  addEventListener('error', function (event) { crashed(event.error); });
  addEventListener('unhandledrejection', function (event) { crashed(event.reason); });
})();
