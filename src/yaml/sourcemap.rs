//! Maps offsets in a decoded scalar value back to offsets in the source text.

/// A piecewise map from decoded byte offsets to source byte offsets.
///
/// Each segment says: decoded bytes `[dec, dec + len)` are source bytes `[src, src + len)`.
/// Decoded text that has no 1:1 source (an escape such as `\n`, a folded line break)
/// is a segment with `len == 0`... covered by `dec` only: offsets inside it map to the
/// start of the source construct that produced them. Segments are sorted by `dec`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SourceMap {
    /// The segments, inline when there is at most one (the common case).
    segs: Segs,
    /// Decoded length; offsets at or past it map to `end_src`.
    dec_len: u32,
    /// Source offset just after the last decoded character.
    end_src: u32,
}

/// Kept small (24 bytes): every scalar node holds a map.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
enum Segs {
    #[default]
    None,
    One(Seg),
    /// Two or more. Boxed on purpose: a bare `Vec` would make every map 8 bytes larger
    /// for the few scalars (multi-line, escaped) that need it.
    #[allow(clippy::box_collection)]
    Many(Box<Vec<Seg>>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Seg {
    dec: u32,
    src: u32,
    /// Number of bytes copied verbatim. 0 means a synthetic run: every decoded offset
    /// up to the next segment maps to `src`.
    len: u32,
    /// For a synthetic run: the end of the source construct that produced it.
    src_end: u32,
}

impl SourceMap {
    /// The map of a value copied verbatim from `src_start`.
    pub fn identity(src_start: usize, len: usize) -> SourceMap {
        SourceMap {
            segs: Segs::One(Seg {
                dec: 0,
                src: src_start as u32,
                len: len as u32,
                src_end: (src_start + len) as u32,
            }),
            dec_len: len as u32,
            end_src: (src_start + len) as u32,
        }
    }

    /// Starts an empty map; add runs in decoded order with [`SourceMap::push_verbatim`]
    /// and [`SourceMap::push_synthetic`], then [`SourceMap::finish`].
    pub fn builder() -> SourceMap {
        SourceMap::default()
    }

    fn segs(&self) -> &[Seg] {
        match &self.segs {
            Segs::None => &[],
            Segs::One(s) => std::slice::from_ref(s),
            Segs::Many(v) => v,
        }
    }

    fn segs_mut(&mut self) -> &mut [Seg] {
        match &mut self.segs {
            Segs::None => &mut [],
            Segs::One(s) => std::slice::from_mut(s),
            Segs::Many(v) => v,
        }
    }

    fn push_seg(&mut self, seg: Seg) {
        self.segs = match std::mem::take(&mut self.segs) {
            Segs::None => Segs::One(seg),
            Segs::One(first) => Segs::Many(Box::new(vec![first, seg])),
            Segs::Many(mut v) => {
                v.push(seg);
                Segs::Many(v)
            }
        };
    }

    /// Moves every source offset by `delta` (the text before them grew or shrank).
    pub(crate) fn shift(&mut self, delta: isize) {
        let mv = |x: &mut u32| *x = (*x as isize + delta) as u32;
        for s in self.segs_mut() {
            mv(&mut s.src);
            mv(&mut s.src_end);
        }
        mv(&mut self.end_src);
    }

    /// The `delta` for which `self` shifted by `delta` equals `other` (the same scalar
    /// moved by an edit before it), or `None` when they differ in more than place.
    pub(crate) fn offset_to(&self, other: &SourceMap) -> Option<isize> {
        let delta = other.end_src as isize - self.end_src as isize;
        let (a, b) = (self.segs(), other.segs());
        let moved = |x: u32, y: u32| x as isize + delta == y as isize;
        let same = self.dec_len == other.dec_len
            && a.len() == b.len()
            && a.iter().zip(b).all(|(s, t)| {
                s.dec == t.dec && s.len == t.len && moved(s.src, t.src) && moved(s.src_end, t.src_end)
            });
        same.then_some(delta)
    }

    /// `len` decoded bytes that are the source bytes starting at `src`.
    pub fn push_verbatim(&mut self, src: usize, len: usize) {
        if len == 0 {
            return;
        }
        let dec_len = self.dec_len;
        if let Some(last) = self.segs_mut().last_mut() {
            if last.len > 0 && last.dec + last.len == dec_len && last.src + last.len == src as u32 {
                last.len += len as u32;
                last.src_end += len as u32;
                self.dec_len += len as u32;
                self.end_src = (src + len) as u32;
                return;
            }
        }
        self.push_seg(Seg {
            dec: self.dec_len,
            src: src as u32,
            len: len as u32,
            src_end: (src + len) as u32,
        });
        self.dec_len += len as u32;
        self.end_src = (src + len) as u32;
    }

    /// `dec_len` decoded bytes produced by the source construct `[src, src_end)`.
    pub fn push_synthetic(&mut self, src: usize, src_end: usize, dec_len: usize) {
        if dec_len == 0 {
            return;
        }
        self.push_seg(Seg { dec: self.dec_len, src: src as u32, len: 0, src_end: src_end as u32 });
        self.dec_len += dec_len as u32;
        self.end_src = src_end as u32;
    }

    /// Sets where offsets at the end of the decoded value map to (e.g. the end of the
    /// last source line rather than after a chomped line break).
    pub fn finish(&mut self, end_src: usize) {
        self.end_src = end_src as u32;
    }

    pub fn decoded_len(&self) -> usize {
        self.dec_len as usize
    }

    /// The source offset of decoded offset `dec`.
    pub fn to_source(&self, dec: usize) -> usize {
        let dec = dec as u32;
        if dec >= self.dec_len {
            return self.end_src as usize;
        }
        let segs = self.segs();
        let i = segs.partition_point(|s| s.dec <= dec);
        if i == 0 {
            return segs.first().map_or(self.end_src, |s| s.src) as usize;
        }
        let s = segs[i - 1];
        if s.len == 0 {
            s.src as usize
        } else if dec < s.dec + s.len {
            (s.src + (dec - s.dec)) as usize
        } else {
            (s.src + s.len) as usize
        }
    }

    /// The source span of decoded range `[start, end)`.
    pub fn span(&self, start: usize, end: usize) -> crate::diag::Span {
        let s = self.to_source(start);
        let e = if end > start { self.to_source_end(end) } else { s };
        crate::diag::Span::new(s, e.max(s))
    }

    /// The source offset just after decoded byte `end - 1` (end-exclusive mapping).
    pub fn to_source_end(&self, end: usize) -> usize {
        if end == 0 {
            return self.to_source(0);
        }
        let last = end - 1;
        let dec = last as u32;
        if dec >= self.dec_len {
            return self.end_src as usize;
        }
        let segs = self.segs();
        let i = segs.partition_point(|s| s.dec <= dec);
        if i == 0 {
            return self.to_source(end);
        }
        let s = segs[i - 1];
        if s.len == 0 {
            // Inside a synthetic run: the end of the construct that produced it.
            s.src_end as usize
        } else {
            (s.src + (dec - s.dec)) as usize + 1
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_maps_with_offset() {
        let m = SourceMap::identity(10, 5);
        assert_eq!(m.to_source(0), 10);
        assert_eq!(m.to_source(4), 14);
        assert_eq!(m.to_source(5), 15);
        assert_eq!(m.span(1, 3), crate::diag::Span::new(11, 13));
    }

    #[test]
    fn escapes_and_breaks_map_to_their_source() {
        // source: "a\nb" at offset 0 with quotes: `"a\nb"` -> decoded "a\nb" (3 bytes)
        // a at 1, escape \n at 2..4, b at 4
        let mut m = SourceMap::builder();
        m.push_verbatim(1, 1);
        m.push_synthetic(2, 4, 1);
        m.push_verbatim(4, 1);
        m.finish(5);
        assert_eq!(m.to_source(0), 1);
        assert_eq!(m.to_source(1), 2);
        assert_eq!(m.to_source(2), 4);
        assert_eq!(m.to_source(3), 5);
        assert_eq!(m.span(1, 2), crate::diag::Span::new(2, 4));
        assert_eq!(m.span(0, 3), crate::diag::Span::new(1, 5));
    }
}
