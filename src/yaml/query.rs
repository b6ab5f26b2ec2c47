//! Read access to a parsed [`Yaml`]: alias-following, merge-aware lookups and cursor context.

use foldhash::{HashSet, HashSetExt};

use super::{NodeId, NodeKind, PathSeg, PathStep, Scalar, ScalarStyle, Slot, Yaml};
use crate::diag::Span;

impl Yaml {
    pub fn node(&self, id: NodeId) -> &super::Node {
        &self.nodes[id.0 as usize]
    }

    fn try_node(&self, id: NodeId) -> Option<&super::Node> {
        self.nodes.get(id.0 as usize)
    }

    /// The root node of document `doc`, `None` for an empty or absent document.
    pub fn root(&self, doc: usize) -> Option<NodeId> {
        self.docs.get(doc)?.root
    }

    /// Follows aliases to the anchored node. Unknown aliases and alias cycles resolve
    /// to the last alias reached.
    pub fn resolve(&self, id: NodeId) -> NodeId {
        let mut cur = id;
        for _ in 0..self.nodes.len().min(64) + 1 {
            match self.try_node(cur).map(|n| &n.kind) {
                Some(NodeKind::Alias { target: Some(t), .. }) if *t != cur => cur = *t,
                _ => return cur,
            }
        }
        cur
    }

    fn kind(&self, id: NodeId) -> Option<&NodeKind> {
        self.try_node(self.resolve(id)).map(|n| &n.kind)
    }

    pub fn scalar(&self, id: NodeId) -> Option<&Scalar> {
        match self.kind(id)? {
            NodeKind::Scalar(s) => Some(s),
            _ => None,
        }
    }

    /// The decoded value of a scalar (after following aliases).
    pub fn str_value(&self, id: NodeId) -> Option<&str> {
        self.scalar(id).map(|s| s.value.as_str())
    }

    /// The decoded text of a mapping key.
    pub fn key_str(&self, key: NodeId) -> Option<&str> {
        self.str_value(key)
    }

    pub fn is_mapping(&self, id: NodeId) -> bool {
        matches!(self.kind(id), Some(NodeKind::Mapping(_)))
    }

    pub fn is_sequence(&self, id: NodeId) -> bool {
        matches!(self.kind(id), Some(NodeKind::Sequence(_)))
    }

    /// True for an absent value and for the plain scalars `~`, `null`, `Null`, `NULL`.
    pub fn is_null(&self, id: NodeId) -> bool {
        match self.kind(id) {
            Some(NodeKind::Null) => true,
            Some(NodeKind::Scalar(s)) => {
                s.style == ScalarStyle::Plain && matches!(s.value.as_str(), "~" | "null" | "Null" | "NULL")
            }
            _ => false,
        }
    }

    /// The items of a sequence (after following aliases); empty for anything else.
    pub fn items(&self, seq: NodeId) -> &[NodeId] {
        match self.kind(seq) {
            Some(NodeKind::Sequence(items)) => items,
            _ => &[],
        }
    }

    fn pairs(&self, map: NodeId) -> &[(NodeId, NodeId)] {
        match self.kind(map) {
            Some(NodeKind::Mapping(pairs)) => pairs,
            _ => &[],
        }
    }

    fn is_merge_key(&self, key: NodeId) -> bool {
        // A scalar whose fingerprint is not `<<`'s is not a merge key: no node read.
        if let Some(f) = self.fingerprint(key) {
            if f != super::NO_FINGERPRINT && f != super::MERGE_FINGERPRINT {
                return false;
            }
        }
        matches!(self.scalar(key), Some(s) if s.style == ScalarStyle::Plain && s.value == "<<")
    }

    /// The node's entry in [`Yaml::fingerprints`], when that is complete.
    fn fingerprint(&self, id: NodeId) -> Option<u64> {
        if self.fingerprints.len() != self.nodes.len() {
            return None;
        }
        self.fingerprints.get(id.0 as usize).copied()
    }

    /// Whether two keys have the same decoded text, from their fingerprints when these decide.
    fn same_key(&self, a: NodeId, b: NodeId) -> bool {
        if let (Some(fa), Some(fb)) = (self.fingerprint(a), self.fingerprint(b)) {
            if fa != super::NO_FINGERPRINT && fb != super::NO_FINGERPRINT {
                if fa != fb {
                    return false;
                }
                if super::fingerprint_is_exact(fa) {
                    return true;
                }
            }
        }
        matches!((self.key_str(a), self.key_str(b)), (Some(x), Some(y)) if x == y)
    }

    /// The mappings merged into `map` by `<<` keys, in precedence order (first wins).
    fn merge_sources(&self, map: NodeId, out: &mut Vec<NodeId>, seen: &mut HashSet<NodeId>) {
        let map = self.resolve(map);
        if !seen.insert(map) {
            return;
        }
        for &(k, v) in self.pairs(map) {
            if !self.is_merge_key(k) {
                continue;
            }
            let v = self.resolve(v);
            let sources: Vec<NodeId> = match self.kind(v) {
                Some(NodeKind::Mapping(_)) => vec![v],
                Some(NodeKind::Sequence(items)) => items.iter().map(|&i| self.resolve(i)).collect(),
                _ => Vec::new(),
            };
            for s in sources {
                if self.is_mapping(s) && !seen.contains(&s) {
                    out.push(s);
                    // A merged mapping's own merges come right after it.
                    self.merge_sources(s, out, seen);
                }
            }
        }
    }

    /// The key and value for `key` in `map`: the last explicit entry, else the first merged one.
    pub fn get_entry(&self, map: NodeId, key: &str) -> Option<(NodeId, NodeId)> {
        // One pass: the last explicit entry wins; note `<<` keys on the way for the merged
        // lookup. (Hot: rules look keys up in every job and step.)
        let mut merges = false;
        let want = super::key_fingerprint(key);
        let exact = super::fingerprint_is_exact(want) && want != super::MERGE_FINGERPRINT;
        for &(k, v) in self.pairs(map).iter().rev() {
            // From the fingerprint alone: a scalar key that cannot match is skipped, and
            // a short one that matches is taken, without reading its node. Alias keys
            // (no fingerprint) and `<<` need the node.
            if let Some(f) = self.fingerprint(k) {
                if f == want && exact {
                    return Some((k, v));
                }
                if f != super::NO_FINGERPRINT && f != want && f != super::MERGE_FINGERPRINT {
                    continue;
                }
            }
            match self.key_str(k) {
                Some("<<") if self.is_merge_key(k) => merges = true,
                Some(s) if s == key => return Some((k, v)),
                _ => {}
            }
        }
        if !merges {
            return None;
        }
        let mut sources = Vec::new();
        self.merge_sources(map, &mut sources, &mut HashSet::new());
        sources.into_iter().find_map(|s| {
            self.pairs(s)
                .iter()
                .rev()
                .find(|&&(k, _)| !self.is_merge_key(k) && self.key_str(k) == Some(key))
                .copied()
        })
    }

    /// The value for `key` in `map` (see [`Yaml::get_entry`]).
    pub fn get(&self, map: NodeId, key: &str) -> Option<NodeId> {
        self.get_entry(map, key).map(|(_, v)| v)
    }

    /// The merged view of a mapping: explicit entries in source order (a duplicated key
    /// appears once, at its last occurrence), then merged entries whose keys are not
    /// explicit, in precedence order. `<<` entries themselves are left out.
    pub fn entries(&self, map: NodeId) -> Vec<(NodeId, NodeId)> {
        let own = self.pairs(map);
        let merges = own.iter().any(|&(k, _)| self.is_merge_key(k));
        if !merges && own.len() <= 16 {
            // Small and without merges: a linear check for later duplicates, no hashing.
            return own
                .iter()
                .enumerate()
                .filter(|&(i, &(k, _))| !own[i + 1..].iter().any(|&(later, _)| self.same_key(k, later)))
                .map(|(_, &e)| e)
                .collect();
        }
        let mut res: Vec<(NodeId, NodeId)> = Vec::with_capacity(own.len());
        let mut seen: HashSet<&str> = HashSet::with_capacity(own.len());
        for &(k, v) in own.iter().rev() {
            if self.is_merge_key(k) {
                continue;
            }
            match self.key_str(k) {
                Some(name) if !seen.insert(name) => {}
                _ => res.push((k, v)),
            }
        }
        res.reverse();
        if !merges {
            return res;
        }
        let mut sources = Vec::new();
        self.merge_sources(map, &mut sources, &mut HashSet::new());
        for s in sources {
            for &(k, v) in self.pairs(s).iter().rev() {
                if self.is_merge_key(k) {
                    continue;
                }
                if let Some(name) = self.key_str(k) {
                    if seen.insert(name) {
                        res.push((k, v));
                    }
                }
            }
        }
        res
    }

    /// The children of a collection in source order (keys and values interleaved), without
    /// following aliases.
    fn children(&self, id: NodeId) -> Vec<NodeId> {
        match self.try_node(id).map(|n| &n.kind) {
            Some(NodeKind::Mapping(pairs)) => pairs.iter().flat_map(|&(k, v)| [k, v]).collect(),
            Some(NodeKind::Sequence(items)) => items.clone(),
            _ => Vec::new(),
        }
    }

    fn doc_index_at(&self, offset: usize) -> Option<usize> {
        let i = self.docs.partition_point(|d| d.span.start <= offset);
        if i == 0 {
            (!self.docs.is_empty()).then_some(0)
        } else {
            Some(i - 1)
        }
    }

    /// The innermost node whose span contains `offset` (or ends at it). Aliases are not followed.
    pub fn node_at(&self, offset: usize) -> Option<NodeId> {
        let doc = self.docs.get(self.doc_index_at(offset)?)?;
        let mut cur = doc.root?;
        if !self.node(cur).span.touches(offset) {
            return None;
        }
        loop {
            let next = self.children(cur).into_iter().find(|&c| {
                let s = self.node(c).span;
                s.touches(offset)
                    && !(s.is_empty() && self.node(c).kind == NodeKind::Null && s.start != offset)
            });
            match next {
                Some(c) if c != cur => cur = c,
                _ => return Some(cur),
            }
        }
    }

    fn line_start(&self, offset: usize) -> usize {
        let bytes = self.source.as_bytes();
        let offset = offset.min(bytes.len());
        bytes[..offset].iter().rposition(|&b| b == b'\n' || b == b'\r').map_or(0, |i| i + 1)
    }

    fn column(&self, offset: usize) -> usize {
        let ls = self.line_start(offset);
        let bom = if ls == 0 && self.source.starts_with('\u{feff}') { 3 } else { 0 };
        offset.saturating_sub(ls + bom)
    }

    fn same_line(&self, a: usize, b: usize) -> bool {
        let (lo, hi) = (a.min(b), a.max(b).min(self.source.len()));
        !self.source.as_bytes()[lo.min(hi)..hi].iter().any(|&b| b == b'\n' || b == b'\r')
    }

    /// True when only white space (and `- ` indicators) precede `offset` on its line.
    fn only_indent_before(&self, offset: usize, allow_dash: bool) -> bool {
        let ls = self.line_start(offset);
        let offset = offset.min(self.source.len());
        let prefix = self.source.get(ls..offset).unwrap_or("").trim_start_matches('\u{feff}');
        if allow_dash {
            prefix.chars().all(|c| c == ' ' || c == '\t' || c == '-')
        } else {
            prefix.chars().all(|c| c == ' ' || c == '\t')
        }
    }

    /// The span touches `offset`, or only spaces and tabs lie between its end and `offset`.
    fn near(&self, span: Span, offset: usize) -> bool {
        span.touches(offset)
            || (span.end <= offset
                && self
                    .source
                    .get(span.end..offset)
                    .is_some_and(|gap| gap.bytes().all(|b| b == b' ' || b == b'\t')))
    }

    fn is_flow(&self, id: NodeId) -> bool {
        let s = self.node(id).span.start;
        matches!(self.source.as_bytes().get(s), Some(b'{' | b'['))
    }

    fn is_collection(&self, id: NodeId) -> bool {
        matches!(self.node(id).kind, NodeKind::Mapping(_) | NodeKind::Sequence(_))
    }

    /// A single-line plain scalar that starts its line (after indentation or `- `).
    fn bare_word(&self, id: NodeId) -> bool {
        let n = self.node(id);
        match &n.kind {
            NodeKind::Scalar(s) => {
                s.style == ScalarStyle::Plain
                    && self.same_line(n.span.start, n.span.end)
                    && self.only_indent_before(n.span.start, true)
            }
            NodeKind::Null => true,
            _ => false,
        }
    }

    /// The cursor's context, outermost first: for each level, which key or item the
    /// cursor is in and whether it is on the key or in the value. See [`PathStep`].
    pub fn path_at(&self, offset: usize) -> Vec<PathStep> {
        let mut steps = Vec::new();
        let offset = offset.min(self.source.len());
        let Some(root) = self.doc_index_at(offset).and_then(|d| self.docs[d].root) else {
            return steps;
        };
        let ws_line = self.only_indent_before(offset, false);
        let col = self.column(offset);
        let mut cur = root;
        // A root collection is entered only if the cursor is not before it.
        if self.node(cur).span.start > offset && !ws_line {
            return steps;
        }
        for _ in 0..self.nodes.len() + 1 {
            let span = self.node(cur).span;
            let flow = self.is_flow(cur);
            let step = match &self.node(cur).kind {
                NodeKind::Mapping(pairs) => self.mapping_step(cur, pairs, offset, ws_line, col, flow),
                NodeKind::Sequence(items) => self.sequence_step(cur, items, offset, ws_line, col, flow),
                _ => None,
            };
            let Some(step) = step else { break };
            let _ = span;
            let descend = step.slot == Slot::Value
                && step.node.is_some_and(|v| {
                    self.is_collection(v) && {
                        let vs = self.node(v).span;
                        if vs.start > offset {
                            false
                        } else if self.near(vs, offset) && !ws_line {
                            true
                        } else {
                            ws_line
                                && (self.is_flow(v) && vs.touches(offset)
                                    || !self.is_flow(v) && col >= self.column(vs.start))
                        }
                    }
                });
            let next = step.node;
            steps.push(step);
            match next {
                Some(v) if descend => cur = v,
                _ => break,
            }
        }
        steps
    }

    fn mapping_step(
        &self,
        map: NodeId,
        pairs: &[(NodeId, NodeId)],
        offset: usize,
        ws_line: bool,
        col: usize,
        flow: bool,
    ) -> Option<PathStep> {
        let name = |k: NodeId| PathSeg::Key(self.key_str(k).unwrap_or("").to_string());
        if let Some(&(k, _)) = pairs.iter().find(|&&(k, _)| {
            let s = self.node(k).span;
            !s.is_empty() && s.touches(offset)
        }) {
            return Some(PathStep {
                container: map,
                seg: name(k),
                slot: Slot::Key,
                node: Some(k),
                maybe_key: false,
            });
        }
        let &(k, v) = pairs.iter().rev().find(|&&(k, _)| self.node(k).span.start <= offset)?;
        let ks = self.node(k).span;
        let vs = self.node(v).span;
        let value = |maybe_key: bool| PathStep {
            container: map,
            seg: name(k),
            slot: Slot::Value,
            node: Some(v),
            maybe_key,
        };
        let null = matches!(self.node(v).kind, NodeKind::Null);
        if !null
            && self.near(vs, offset)
            && !(ws_line && self.is_collection(v) && col < self.column(vs.start))
        {
            return Some(value(self.bare_word(v) && !self.same_line(ks.start, vs.start)));
        }
        if flow {
            return (vs.start <= offset && offset <= self.node(map).span.end).then(|| value(false));
        }
        if self.same_line(ks.end, offset) {
            return Some(value(false));
        }
        if !ws_line {
            return None;
        }
        let key_col = self.column(ks.start);
        if col > key_col {
            Some(value(null || (self.bare_word(v) && !self.same_line(ks.start, vs.start))))
        } else if col == key_col {
            Some(PathStep {
                container: map,
                seg: PathSeg::NewEntry,
                slot: Slot::Key,
                node: None,
                maybe_key: true,
            })
        } else {
            None
        }
    }

    fn sequence_step(
        &self,
        seq: NodeId,
        items: &[NodeId],
        offset: usize,
        ws_line: bool,
        col: usize,
        flow: bool,
    ) -> Option<PathStep> {
        let item_step = |i: usize, maybe_key: bool| PathStep {
            container: seq,
            seg: PathSeg::Index(i),
            slot: Slot::Value,
            node: Some(items[i]),
            maybe_key,
        };
        if let Some(i) = items.iter().position(|&it| {
            let n = self.node(it);
            !matches!(n.kind, NodeKind::Null) && self.near(n.span, offset)
        }) {
            let it = items[i];
            let inner_ws = ws_line && self.is_collection(it) && col < self.column(self.node(it).span.start);
            if !inner_ws {
                return Some(item_step(i, self.bare_word(it)));
            }
        }
        if flow {
            let i = items.iter().rposition(|&it| self.node(it).span.start <= offset)?;
            return Some(item_step(i, false));
        }
        // The item whose `-` is last before the cursor.
        let dash = |it: NodeId| {
            let s = self.node(it).span.start;
            let b = self.source.as_bytes();
            let mut j = s;
            while j > 0 && matches!(b.get(j - 1), Some(b' ' | b'\t')) {
                j -= 1;
            }
            if j > 0 && b.get(j - 1) == Some(&b'-') {
                j - 1
            } else {
                s
            }
        };
        let i = items.iter().rposition(|&it| dash(it) <= offset)?;
        let d = dash(items[i]);
        if self.same_line(d, offset) {
            return Some(item_step(i, self.bare_word(items[i])));
        }
        if ws_line && col > self.column(d) {
            let it = items[i];
            return Some(item_step(i, matches!(self.node(it).kind, NodeKind::Null)));
        }
        None
    }

    /// The span of a node including its anchor and tag.
    pub fn full_span(&self, id: NodeId) -> Span {
        let n = self.node(id);
        let mut s = n.span;
        if let Some((_, a)) = n.anchor() {
            s = s.cover(*a);
        }
        if let Some((_, t)) = n.tag() {
            s = s.cover(*t);
        }
        s
    }
}
