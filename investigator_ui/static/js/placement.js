// Where new nodes go: free spots on growing rings around an anchor, at least GAP from every node
// already drawn and from each other, so an expansion never lands on top of the graph.
const GAP = 46;

export function placeAround(center, count, taken, gap = GAP) {
  const cell = gap;
  const grid = new Map();
  const key = (x, y) => `${Math.floor(x / cell)}|${Math.floor(y / cell)}`;
  const put = (p) => {
    const k = key(p.x, p.y);
    if (!grid.has(k)) grid.set(k, []);
    grid.get(k).push(p);
  };
  const free = (x, y) => {
    const cx = Math.floor(x / cell);
    const cy = Math.floor(y / cell);
    for (let dx = -1; dx <= 1; dx++) {
      for (let dy = -1; dy <= 1; dy++) {
        for (const p of grid.get(`${cx + dx}|${cy + dy}`) ?? []) {
          if ((p.x - x) ** 2 + (p.y - y) ** 2 < gap * gap) return false;
        }
      }
    }
    return true;
  };
  for (const p of taken) put(p);
  const out = [];
  let radius = gap * 2;
  let offset = 0;
  while (out.length < count) {
    const slots = Math.max(6, Math.floor((2 * Math.PI * radius) / gap));
    for (let i = 0; i < slots && out.length < count; i++) {
      const angle = offset + (2 * Math.PI * i) / slots;
      const x = center.x + radius * Math.cos(angle);
      const y = center.y + radius * Math.sin(angle);
      if (free(x, y)) {
        const p = { x: Math.round(x), y: Math.round(y) };
        out.push(p);
        put(p);
      }
    }
    radius += gap;
    offset += 0.37; // stagger rings so spots do not line up on rays
    if (radius > gap * 400) break; // cannot happen with sane counts; never loop forever
  }
  return out;
}
