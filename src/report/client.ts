/**
 * The script that runs in the report page: it renders the compiled Vega specs (canvas, so 10,000
 * marks stay responsive) and drives the front explorer. Plain ES2017 in a string, because it runs
 * in the browser, not in Node. Data reaches the page only through JSON.parse and textContent,
 * never innerHTML.
 */
export const CLIENT_SCRIPT = String.raw`
(function () {
  'use strict';
  var DATA = JSON.parse(document.getElementById('regpath-data').textContent);
  var views = {};
  window.regpathViews = views;
  var pending = [];
  DATA.runs.forEach(function (run) {
    var fronts = [];
    run.charts.forEach(function (c) {
      var el = document.getElementById(run.id + '-' + c.id);
      var view = new vega.View(vega.parse(c.spec), { renderer: 'canvas', container: el, hover: true });
      views[run.id + '-' + c.id] = view;
      pending.push(view.runAsync());
      if (c.role === 'front') fronts.push({ view: view, marker: c.marker, el: el });
    });
    if (run.explorer) explorer(run, fronts);
  });
  Promise.all(pending).then(function () { document.body.setAttribute('data-ready', 'yes'); });

  function fmt(x, digits) {
    if (x === null || x === undefined) return '–';
    if (x === 0) return '0';
    return Math.abs(x) >= 1e5 || Math.abs(x) < 1e-3 ? x.toExponential(digits - 1) : String(+x.toPrecision(digits));
  }
  function pct(x) { return x === null || x === undefined ? '–' : (100 * x).toFixed(1) + '%'; }

  function decode(layer) {
    var bin = atob(layer.q), out = new Int8Array(bin.length);
    for (var i = 0; i < bin.length; i++) out[i] = (bin.charCodeAt(i) << 24) >> 24;
    return out;
  }

  function explorer(run, fronts) {
    var ex = run.explorer;
    var root = document.getElementById(run.id + '-explorer');
    var slider = root.querySelector('input[type=range]');
    var label = root.querySelector('.ex-label');
    var table = root.querySelector('.ex-numbers');
    var net = root.querySelector('canvas.ex-network');
    var netNote = root.querySelector('.ex-network-note');
    var images = root.querySelector('.ex-images');
    var imagesNote = root.querySelector('.ex-images-note');
    var decoded = {};
    var n = ex.points.length;
    slider.min = '0';
    slider.max = String(n - 1);
    slider.value = String(ex.start);

    function layersOf(i) {
      var p = ex.points[i];
      if (!p.layers) return null;
      if (!decoded[i]) decoded[i] = p.layers.map(function (L) { return { inputs: L.inputs, outputs: L.outputs, w: decode(L) }; });
      return decoded[i];
    }

    function show(i) {
      i = Math.max(0, Math.min(n - 1, i));
      slider.value = String(i);
      var p = ex.points[i], v = p.numbers;
      var sel = ex.selected.filter(function (s) { return s.point === i; }).map(function (s) { return s.label; });
      label.textContent = 'front point ' + i + ' of ' + n + ' (0 = sparsest; raw ' + p.raw + ')' + (sel.length ? ' — ' + sel.join(', ') : '');
      var rows = [
        [ex.penalty === 'l2' ? '‖θ‖²' : 'l1 ‖θ‖₁', fmt(ex.penalty === 'l2' ? v.l2squared : v.l1, 5)],
        ['λ (local multiplier)', fmt(v.lambda, 4)],
        ['non-zero weights', v.nonzeros === null ? '–' : String(v.nonzeros)],
        ['train loss', fmt(v.trainLoss, 5)], ['test loss', fmt(v.testLoss, 5)],
        ['train accuracy', pct(v.trainAccuracy)], ['test accuracy', pct(v.testAccuracy)],
      ];
      if (v.validationLoss !== null) rows.push(['validation loss', fmt(v.validationLoss, 5)], ['validation accuracy', pct(v.validationAccuracy)]);
      while (table.firstChild) table.removeChild(table.firstChild);
      rows.forEach(function (r) {
        var tr = document.createElement('tr'), th = document.createElement('th'), td = document.createElement('td');
        th.textContent = r[0]; td.textContent = r[1];
        tr.appendChild(th); tr.appendChild(td); table.appendChild(tr);
      });
      var cur = [];
      if (v.trainLoss !== null) cur.push({ point: i, x: ex.penalty === 'l2' ? v.l2squared : v.l1, nonzeros: v.nonzeros, loss: v.trainLoss, accuracy: v.trainAccuracy });
      if (v.testLoss !== null || v.testAccuracy !== null) cur.push({ point: i, x: ex.penalty === 'l2' ? v.l2squared : v.l1, nonzeros: v.nonzeros, loss: v.testLoss, accuracy: v.testAccuracy });
      fronts.forEach(function (f) { mark(f, cur); });
      var L = layersOf(i);
      drawNetwork(L);
      drawImages(L);
      root.setAttribute('data-point', String(i));
    }

    // the explorer's point on a chart: an SVG overlay placed with the chart's own scales
    function mark(f, cur) {
      var NS = 'http://www.w3.org/2000/svg', view = f.view, m = f.marker;
      if (!m) return;
      var svg = f.el.querySelector('svg.ex-marker');
      if (!svg) {
        svg = document.createElementNS(NS, 'svg');
        svg.setAttribute('class', 'ex-marker');
        f.el.appendChild(svg);
      }
      while (svg.firstChild) svg.removeChild(svg.firstChild);
      var canvas = f.el.querySelector('canvas');
      if (!canvas) return;
      svg.setAttribute('width', canvas.clientWidth);
      svg.setAttribute('height', canvas.clientHeight);
      var ox = view.origin()[0] + view.padding().left, oy = view.origin()[1] + view.padding().top;
      var sx = view.scale('x'), sy = m.y ? view.scale('y') : null;
      cur.forEach(function (c, k) {
        var x = c[m.x];
        if (x === null || x === undefined || !sx) return;
        var px = ox + sx(x);
        if (!isFinite(px)) return;
        if (!sy) {
          if (k > 0) return;
          var line = document.createElementNS(NS, 'line');
          line.setAttribute('x1', px); line.setAttribute('x2', px); line.setAttribute('y1', oy); line.setAttribute('y2', oy + view.height());
          line.setAttribute('stroke', '#d62728'); line.setAttribute('stroke-width', '1.5'); line.setAttribute('stroke-dasharray', '4 3');
          svg.appendChild(line);
          return;
        }
        var y = c[m.y];
        if (y === null || y === undefined) return;
        var py = oy + sy(y);
        if (!isFinite(py)) return;
        var ring = document.createElementNS(NS, 'circle');
        ring.setAttribute('cx', px); ring.setAttribute('cy', py); ring.setAttribute('r', '9');
        ring.setAttribute('fill', 'none'); ring.setAttribute('stroke', '#d62728'); ring.setAttribute('stroke-width', '2.5');
        svg.appendChild(ring);
      });
    }

    function drawNetwork(L) {
      var ctx = net.getContext('2d');
      ctx.clearRect(0, 0, net.width, net.height);
      if (!L) { netNote.textContent = 'The weights of this point are not in the report (see the run folder).'; return; }
      var sizes = [L[0].inputs].concat(L.map(function (l) { return l.outputs; }));
      // a unit is drawn when it carries something: inputs with a live weight out, all hidden and output units
      var liveIn = [], liveOut = [];
      for (var c = 0; c < sizes.length; c++) { liveIn.push(new Uint8Array(sizes[c])); liveOut.push(new Uint8Array(sizes[c])); }
      var edges = 0;
      L.forEach(function (l, k) {
        for (var a = 0; a < l.inputs; a++) for (var b = 0; b < l.outputs; b++) if (l.w[a * l.outputs + b] !== 0) { liveOut[k][a] = 1; liveIn[k + 1][b] = 1; }
      });
      var shown = sizes.map(function (s, c) {
        var idx = [];
        for (var u = 0; u < s; u++) if (c > 0 || s <= 40 || liveOut[0][u]) idx.push(u);
        return idx;
      });
      var W = net.width, H = net.height, padX = 40, padY = 14;
      var pos = shown.map(function (idx, c) {
        var x = padX + (W - 2 * padX) * c / (sizes.length - 1), m = {};
        idx.forEach(function (u, r) { m[u] = [x, idx.length === 1 ? H / 2 : padY + (H - 2 * padY) * r / (idx.length - 1)]; });
        return m;
      });
      ctx.lineCap = 'round';
      L.forEach(function (l, k) {
        for (var a = 0; a < l.inputs; a++) {
          var pa = pos[k][a];
          if (!pa) continue;
          for (var b = 0; b < l.outputs; b++) {
            var q = l.w[a * l.outputs + b];
            if (q === 0) continue;
            var pb = pos[k + 1][b];
            ctx.strokeStyle = q > 0 ? 'rgba(31,119,180,0.55)' : 'rgba(214,39,40,0.55)';
            ctx.lineWidth = 0.3 + 2.7 * Math.abs(q) / 127;
            ctx.beginPath(); ctx.moveTo(pa[0], pa[1]); ctx.lineTo(pb[0], pb[1]); ctx.stroke();
            edges++;
          }
        }
      });
      shown.forEach(function (idx, c) {
        var r = idx.length > 60 ? 1.5 : idx.length > 20 ? 3 : 5;
        idx.forEach(function (u) {
          var p = pos[c][u], alive = c === 0 ? liveOut[0][u] : c === sizes.length - 1 ? 1 : liveIn[c][u] && liveOut[c][u];
          ctx.beginPath(); ctx.arc(p[0], p[1], r, 0, 2 * Math.PI);
          ctx.fillStyle = alive ? '#333' : '#fff'; ctx.strokeStyle = '#999'; ctx.lineWidth = 1;
          ctx.fill(); ctx.stroke();
        });
      });
      var liveHidden = 0, hidden = 0;
      for (var h = 1; h < sizes.length - 1; h++) for (var u = 0; u < sizes[h]; u++) { hidden++; if (liveIn[h][u] && liveOut[h][u]) liveHidden++; }
      var inputsLive = 0;
      for (var x = 0; x < sizes[0]; x++) if (liveOut[0][x]) inputsLive++;
      netNote.textContent = edges + ' live connections drawn (blue positive, red negative, width by |w|); ' + inputsLive + ' of ' + sizes[0] + ' inputs and ' + liveHidden + ' of ' + hidden + ' hidden units live (hollow: dead).';
      net.setAttribute('data-edges', String(edges));
    }

    function drawImages(L) {
      while (images.firstChild) images.removeChild(images.firstChild);
      if (!ex.imageSide || !L) { imagesNote.textContent = ex.imageSide ? '' : 'First-layer images are drawn for image data only.'; return; }
      var s = ex.imageSide, l = L[0], units = 0, live = 0;
      // first the pixels that feed the network at all (black), then each live unit's weights
      var mask = document.createElement('canvas');
      mask.width = s; mask.height = s; mask.title = 'input pixels with a non-zero weight';
      var mctx = mask.getContext('2d'), mimg = mctx.createImageData(s, s);
      for (var px0 = 0; px0 < s * s; px0++) {
        var on = false;
        for (var u = 0; u < l.outputs && !on; u++) on = l.w[px0 * l.outputs + u] !== 0;
        if (on) live++;
        mimg.data[4 * px0] = mimg.data[4 * px0 + 1] = mimg.data[4 * px0 + 2] = on ? 0 : 255;
        mimg.data[4 * px0 + 3] = 255;
      }
      mctx.putImageData(mimg, 0, 0);
      mask.className = 'ex-mask';
      images.appendChild(mask);
      for (var j = 0; j < l.outputs; j++) {
        var any = false;
        for (var i = 0; i < l.inputs && !any; i++) any = l.w[i * l.outputs + j] !== 0;
        if (!any) continue;
        units++;
        var cv = document.createElement('canvas');
        cv.width = s; cv.height = s; cv.title = 'hidden unit ' + j;
        var ctx = cv.getContext('2d'), img = ctx.createImageData(s, s);
        for (var px = 0; px < s * s; px++) {
          var q = l.w[px * l.outputs + j] / 127, t = Math.min(1, Math.abs(q) * 2);
          // white at zero, blue for positive, red for negative weights
          img.data[4 * px] = q >= 0 ? 255 * (1 - t) + 31 * t : 255 * (1 - t) + 214 * t;
          img.data[4 * px + 1] = q >= 0 ? 255 * (1 - t) + 119 * t : 255 * (1 - t) + 39 * t;
          img.data[4 * px + 2] = q >= 0 ? 255 * (1 - t) + 180 * t : 255 * (1 - t) + 40 * t;
          img.data[4 * px + 3] = 255;
        }
        ctx.putImageData(img, 0, 0);
        images.appendChild(cv);
      }
      imagesNote.textContent = 'First: the ' + live + ' input pixels that feed the network (black). Then the ' + units + ' live first-layer units, each one unit\'s incoming weights (blue positive, red negative).';
    }

    slider.addEventListener('input', function () { show(+slider.value); });
    fronts.forEach(function (f) {
      f.view.addEventListener('click', function (event, item) {
        if (item && item.datum && typeof item.datum.point === 'number' && item.datum.point < n) show(item.datum.point);
      });
    });
    function key(e) {
      if (e.target === slider) return; // the range input steps by itself
      if (e.key === 'ArrowRight' || e.key === 'ArrowUp') { show(+slider.value + 1); e.preventDefault(); }
      if (e.key === 'ArrowLeft' || e.key === 'ArrowDown') { show(+slider.value - 1); e.preventDefault(); }
    }
    root.addEventListener('keydown', key);
    // a page with a single explorer takes the arrow keys anywhere
    if (DATA.runs.filter(function (r) { return r.explorer; }).length === 1) {
      document.addEventListener('keydown', function (e) { if (!root.contains(e.target)) key(e); });
    }
    Promise.all(fronts.map(function (f) { return f.view.runAsync(); })).then(function () { show(+slider.value); });
    show(ex.start);
  }
})();
`;
