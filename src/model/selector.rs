//! Label selectors, node selectors and taint tolerations with the matching
//! semantics of upstream Kubernetes, in small types of our own so analyses do
//! not depend on the shapes of k8s-openapi.

use std::fmt;

use k8s_openapi::api::core::v1 as core;
use k8s_openapi::apimachinery::pkg::apis::meta::v1 as meta;

pub use super::labels::Labels;

/// Label the kubelet sets to the node's hostname; local PVs pin to it.
pub const HOSTNAME_LABEL: &str = "kubernetes.io/hostname";

/// The only field node selectors may match on.
pub const NODE_NAME_FIELD: &str = "metadata.name";

/// A selector requirement that Kubernetes would refuse.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SelectorError {
    key: String,
    operator: String,
    reason: String,
}

impl SelectorError {
    fn new(key: &str, operator: &str, reason: impl Into<String>) -> Self {
        SelectorError {
            key: key.to_owned(),
            operator: operator.to_owned(),
            reason: reason.into(),
        }
    }

    pub fn key(&self) -> &str {
        &self.key
    }

    pub fn operator(&self) -> &str {
        &self.operator
    }
}

impl fmt::Display for SelectorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid requirement on key {:?} with operator {:?}: {}",
            self.key, self.operator, self.reason
        )
    }
}

impl std::error::Error for SelectorError {}

// ---------------------------------------------------------------------------
// Label selectors
// ---------------------------------------------------------------------------

/// A `metav1.LabelSelector`: all of `match_labels` and `match_expressions` must hold.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LabelSelector {
    pub match_labels: Labels,
    pub match_expressions: Vec<LabelRequirement>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LabelRequirement {
    pub key: String,
    pub operator: LabelOperator,
    pub values: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LabelOperator {
    In,
    NotIn,
    Exists,
    DoesNotExist,
}

impl LabelOperator {
    fn from_name(name: &str) -> Option<Self> {
        match name {
            "In" => Some(LabelOperator::In),
            "NotIn" => Some(LabelOperator::NotIn),
            "Exists" => Some(LabelOperator::Exists),
            "DoesNotExist" => Some(LabelOperator::DoesNotExist),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            LabelOperator::In => "In",
            LabelOperator::NotIn => "NotIn",
            LabelOperator::Exists => "Exists",
            LabelOperator::DoesNotExist => "DoesNotExist",
        }
    }

    fn arity(self) -> Arity {
        match self {
            LabelOperator::In | LabelOperator::NotIn => Arity::AtLeastOne,
            LabelOperator::Exists | LabelOperator::DoesNotExist => Arity::None,
        }
    }
}

impl LabelSelector {
    /// Converts and validates like `metav1.LabelSelectorAsSelector`: unknown
    /// operators, `In`/`NotIn` without values, `Exists`/`DoesNotExist` with
    /// values, and malformed label keys or values are errors.
    pub fn from_k8s(s: &meta::LabelSelector) -> Result<LabelSelector, SelectorError> {
        let match_labels = s.match_labels.clone().unwrap_or_default();
        for (key, value) in &match_labels {
            // matchLabels entries become equality requirements upstream.
            check_key(key, "=")?;
            check_values(key, "=", std::slice::from_ref(value))?;
        }
        let mut match_expressions = Vec::new();
        for r in s.match_expressions.iter().flatten() {
            let operator = LabelOperator::from_name(&r.operator).ok_or_else(|| {
                SelectorError::new(
                    &r.key,
                    &r.operator,
                    "not a valid label selector operator (expected In, NotIn, Exists or DoesNotExist)",
                )
            })?;
            let requirement = LabelRequirement {
                key: r.key.clone(),
                operator,
                values: r.values.clone().unwrap_or_default(),
            };
            requirement.validate()?;
            match_expressions.push(requirement);
        }
        Ok(LabelSelector {
            match_labels: match_labels.into(),
            match_expressions,
        })
    }

    /// Whether `labels` satisfy every requirement; an empty selector matches everything.
    pub fn matches(&self, labels: &Labels) -> bool {
        self.match_labels
            .iter()
            .all(|(k, v)| labels.get(k) == Some(v))
            && self.match_expressions.iter().all(|r| r.matches(labels))
    }

    pub fn is_empty(&self) -> bool {
        self.match_labels.is_empty() && self.match_expressions.is_empty()
    }
}

impl LabelRequirement {
    pub fn matches(&self, labels: &Labels) -> bool {
        let value = labels.get(&self.key).map(String::as_str);
        let listed = |v: &str| self.values.iter().any(|x| x == v);
        match self.operator {
            LabelOperator::In => value.is_some_and(listed),
            // An absent label is "not in" any set, as upstream.
            LabelOperator::NotIn => value.is_none_or(|v| !listed(v)),
            LabelOperator::Exists => value.is_some(),
            LabelOperator::DoesNotExist => value.is_none(),
        }
    }

    fn validate(&self) -> Result<(), SelectorError> {
        let op = self.operator.as_str();
        check_key(&self.key, op)?;
        check_arity(&self.key, op, self.operator.arity(), &self.values)?;
        check_values(&self.key, op, &self.values)
    }
}

impl fmt::Display for LabelRequirement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let symbolic = match self.operator {
            LabelOperator::In => Symbolic::In,
            LabelOperator::NotIn => Symbolic::NotIn,
            LabelOperator::Exists => Symbolic::Exists,
            LabelOperator::DoesNotExist => Symbolic::DoesNotExist,
        };
        write_requirement(f, &self.key, symbolic, &self.values)
    }
}

/// kubectl style, sorted by key as `labels.Selector.String` does:
/// `app=db,!gone,tier in (a,b)`. An empty selector prints as nothing.
impl fmt::Display for LabelSelector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts: Vec<(&str, String)> = self
            .match_labels
            .iter()
            .map(|(k, v)| (k.as_str(), format!("{k}={v}")))
            .collect();
        parts.extend(
            self.match_expressions
                .iter()
                .map(|r| (r.key.as_str(), r.to_string())),
        );
        parts.sort_by(|a, b| a.0.cmp(b.0));
        let rendered: Vec<String> = parts.into_iter().map(|(_, s)| s).collect();
        f.write_str(&rendered.join(","))
    }
}

// ---------------------------------------------------------------------------
// Node selectors
// ---------------------------------------------------------------------------

/// A `v1.NodeSelector`: the terms are ORed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct NodeSelector {
    pub terms: Vec<NodeSelectorTerm>,
}

/// Everything inside one term is ANDed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct NodeSelectorTerm {
    pub match_expressions: Vec<NodeRequirement>,
    pub match_fields: Vec<NodeRequirement>,
    /// `validate` failed, worked out once: matching asks on every node and volume.
    invalid: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct NodeRequirement {
    pub key: String,
    pub operator: NodeOperator,
    pub values: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NodeOperator {
    In,
    NotIn,
    Exists,
    DoesNotExist,
    Gt,
    Lt,
}

impl NodeOperator {
    fn from_name(name: &str) -> Option<Self> {
        match name {
            "In" => Some(NodeOperator::In),
            "NotIn" => Some(NodeOperator::NotIn),
            "Exists" => Some(NodeOperator::Exists),
            "DoesNotExist" => Some(NodeOperator::DoesNotExist),
            "Gt" => Some(NodeOperator::Gt),
            "Lt" => Some(NodeOperator::Lt),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            NodeOperator::In => "In",
            NodeOperator::NotIn => "NotIn",
            NodeOperator::Exists => "Exists",
            NodeOperator::DoesNotExist => "DoesNotExist",
            NodeOperator::Gt => "Gt",
            NodeOperator::Lt => "Lt",
        }
    }

    fn arity(self) -> Arity {
        match self {
            NodeOperator::In | NodeOperator::NotIn => Arity::AtLeastOne,
            NodeOperator::Exists | NodeOperator::DoesNotExist => Arity::None,
            NodeOperator::Gt | NodeOperator::Lt => Arity::OneInteger,
        }
    }
}

impl NodeSelector {
    /// Converts the shape only. An unknown operator string is an error because
    /// it cannot be represented; every other problem is kept and makes its
    /// term match nothing (see [`NodeSelector::matches`]), as the scheduler
    /// does. Use [`NodeSelector::validate`] to report such problems.
    pub fn from_k8s(s: &core::NodeSelector) -> Result<NodeSelector, SelectorError> {
        let terms = s
            .node_selector_terms
            .iter()
            .map(|t| {
                Ok(NodeSelectorTerm::new(
                    convert_node_requirements(t.match_expressions.as_deref())?,
                    convert_node_requirements(t.match_fields.as_deref())?,
                ))
            })
            .collect::<Result<Vec<_>, SelectorError>>()?;
        Ok(NodeSelector { terms })
    }

    /// Upstream `LazyErrorNodeSelector.Match` (component-helpers nodeaffinity):
    /// terms are ORed; an empty term or an empty term list matches nothing; an
    /// invalid term matches nothing but does not stop other terms matching.
    /// An empty `node_name` means the name is unknown: upstream then has no
    /// fields to test, so `matchFields` are skipped.
    pub fn matches(&self, node_name: &str, node_labels: &Labels) -> bool {
        self.terms.iter().any(|t| t.matches(node_name, node_labels))
    }

    /// First problem in any term, like upstream `NewNodeSelector` (the strict
    /// constructor); empty terms are not errors.
    pub fn validate(&self) -> Result<(), SelectorError> {
        self.terms.iter().try_for_each(NodeSelectorTerm::validate)
    }

    /// If every term that can match requires `kubernetes.io/hostname` to be
    /// one of a list (the local-PV shape), all such hostnames, sorted and
    /// deduplicated; `None` when some term admits any hostname. A selector
    /// that matches nothing pins to no hostname at all: `Some(vec![])`.
    pub fn pinned_hostnames(&self) -> Option<Vec<String>> {
        let mut hosts = Vec::new();
        for allowed in self
            .terms
            .iter()
            .filter_map(|t| t.allowed_values(HOSTNAME_LABEL))
        {
            hosts.extend(allowed?);
        }
        hosts.sort();
        hosts.dedup();
        Some(hosts)
    }

    /// For each term that can match, the values it allows for `key` through
    /// `In` (intersected when repeated, filtered by the term's other
    /// requirements on `key`), sorted. An empty list means that term does not
    /// restrict `key`. Terms that can never match (empty, invalid or
    /// contradictory on `key`) are left out.
    pub fn required_values(&self, key: &str) -> Vec<Vec<String>> {
        self.terms
            .iter()
            .filter_map(|t| t.allowed_values(key))
            .map(Option::unwrap_or_default)
            .collect()
    }
}

fn convert_node_requirements(
    reqs: Option<&[core::NodeSelectorRequirement]>,
) -> Result<Vec<NodeRequirement>, SelectorError> {
    reqs.unwrap_or_default()
        .iter()
        .map(|r| {
            let operator = NodeOperator::from_name(&r.operator).ok_or_else(|| {
                SelectorError::new(
                    &r.key,
                    &r.operator,
                    "not a valid node selector operator (expected In, NotIn, Exists, DoesNotExist, Gt or Lt)",
                )
            })?;
            Ok(NodeRequirement {
                key: r.key.clone(),
                operator,
                values: r.values.clone().unwrap_or_default(),
            })
        })
        .collect()
}

impl NodeSelectorTerm {
    pub fn new(
        match_expressions: Vec<NodeRequirement>,
        match_fields: Vec<NodeRequirement>,
    ) -> NodeSelectorTerm {
        let mut term = NodeSelectorTerm {
            match_expressions,
            match_fields,
            invalid: false,
        };
        term.invalid = term.validate().is_err();
        term
    }

    /// A term with neither expressions nor fields selects no node.
    pub fn is_empty(&self) -> bool {
        self.match_expressions.is_empty() && self.match_fields.is_empty()
    }

    /// Mirrors upstream `newNodeSelectorTerm` parsing: label expressions as
    /// `labels.NewRequirement` checks them, fields limited to `metadata.name`
    /// with `In`/`NotIn` and exactly one value.
    pub fn validate(&self) -> Result<(), SelectorError> {
        self.match_expressions
            .iter()
            .try_for_each(NodeRequirement::validate_expression)?;
        self.match_fields
            .iter()
            .try_for_each(NodeRequirement::validate_field)
    }

    pub fn matches(&self, node_name: &str, node_labels: &Labels) -> bool {
        if self.is_empty() || self.invalid {
            return false;
        }
        let labels_ok = self
            .match_expressions
            .iter()
            .all(|r| r.matches_label(node_labels.get(&r.key).map(String::as_str)));
        let fields_ok =
            node_name.is_empty() || self.match_fields.iter().all(|r| r.matches_field(node_name));
        labels_ok && fields_ok
    }

    /// `None`: the term never matches. `Some(None)`: no `In` on `key`.
    /// `Some(Some(values))`: the non-empty set of values it accepts for `key`.
    fn allowed_values(&self, key: &str) -> Option<Option<Vec<String>>> {
        if self.is_empty() || self.invalid {
            return None;
        }
        let on_key: Vec<&NodeRequirement> = self
            .match_expressions
            .iter()
            .filter(|r| r.key == key)
            .collect();
        let mut candidates: Option<Vec<String>> = None;
        for r in on_key.iter().filter(|r| r.operator == NodeOperator::In) {
            candidates = Some(match candidates {
                None => r.values.clone(),
                Some(prev) => prev.into_iter().filter(|v| r.values.contains(v)).collect(),
            });
        }
        let Some(mut values) = candidates else {
            return Some(None);
        };
        values.retain(|v| on_key.iter().all(|r| r.matches_label(Some(v.as_str()))));
        values.sort();
        values.dedup();
        if values.is_empty() {
            None
        } else {
            Some(Some(values))
        }
    }
}

impl NodeRequirement {
    fn validate_expression(&self) -> Result<(), SelectorError> {
        let op = self.operator.as_str();
        check_key(&self.key, op)?;
        check_arity(&self.key, op, self.operator.arity(), &self.values)?;
        check_values(&self.key, op, &self.values)
    }

    fn validate_field(&self) -> Result<(), SelectorError> {
        let op = self.operator.as_str();
        // API validation admits only metadata.name; the matcher has no other field.
        if self.key != NODE_NAME_FIELD {
            return Err(SelectorError::new(
                &self.key,
                op,
                "matchFields supports only the key metadata.name",
            ));
        }
        match self.operator {
            NodeOperator::In | NodeOperator::NotIn if self.values.len() == 1 => Ok(()),
            NodeOperator::In | NodeOperator::NotIn => Err(SelectorError::new(
                &self.key,
                op,
                "matchFields In and NotIn take exactly one value",
            )),
            _ => Err(SelectorError::new(
                &self.key,
                op,
                "matchFields supports only the operators In and NotIn",
            )),
        }
    }

    /// Matches a label value (`None` when the label is absent); assumes a valid requirement.
    pub fn matches_label(&self, value: Option<&str>) -> bool {
        let listed = |v: &str| self.values.iter().any(|x| x == v);
        match self.operator {
            NodeOperator::In => value.is_some_and(listed),
            NodeOperator::NotIn => value.is_none_or(|v| !listed(v)),
            NodeOperator::Exists => value.is_some(),
            NodeOperator::DoesNotExist => value.is_none(),
            NodeOperator::Gt | NodeOperator::Lt => {
                // A label that is not an integer never satisfies Gt/Lt.
                let (Some(have), [want]) = (value.and_then(parse_int), self.values.as_slice())
                else {
                    return false;
                };
                let Some(want) = parse_int(want) else {
                    return false;
                };
                if self.operator == NodeOperator::Gt {
                    have > want
                } else {
                    have < want
                }
            }
        }
    }

    fn matches_field(&self, node_name: &str) -> bool {
        let listed = self.values.first().is_some_and(|v| v == node_name);
        match self.operator {
            NodeOperator::In => listed,
            NodeOperator::NotIn => !listed,
            _ => false,
        }
    }
}

impl fmt::Display for NodeRequirement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let symbolic = match self.operator {
            NodeOperator::In => Symbolic::In,
            NodeOperator::NotIn => Symbolic::NotIn,
            NodeOperator::Exists => Symbolic::Exists,
            NodeOperator::DoesNotExist => Symbolic::DoesNotExist,
            NodeOperator::Gt => Symbolic::Gt,
            NodeOperator::Lt => Symbolic::Lt,
        };
        write_requirement(f, &self.key, symbolic, &self.values)
    }
}

/// Requirements joined by `,` (expressions, then fields); `<empty>` for a term
/// with neither.
impl fmt::Display for NodeSelectorTerm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return f.write_str("<empty>");
        }
        let parts: Vec<String> = self
            .match_expressions
            .iter()
            .chain(&self.match_fields)
            .map(ToString::to_string)
            .collect();
        f.write_str(&parts.join(","))
    }
}

/// One line, terms joined by ` || `; `<none>` when there are no terms.
impl fmt::Display for NodeSelector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.terms.is_empty() {
            return f.write_str("<none>");
        }
        let parts: Vec<String> = self.terms.iter().map(ToString::to_string).collect();
        f.write_str(&parts.join(" || "))
    }
}

// ---------------------------------------------------------------------------
// Taints and tolerations
// ---------------------------------------------------------------------------

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Toleration {
    pub key: Option<String>,
    pub operator: TolerationOperator,
    pub value: Option<String>,
    pub effect: Option<TaintEffect>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TolerationOperator {
    Exists,
    Equal,
    /// Anything else, including the feature-gated `Gt`/`Lt`; tolerates nothing,
    /// as upstream does with the gate off (its default).
    Other(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Taint {
    pub key: String,
    pub value: Option<String>,
    pub effect: TaintEffect,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum TaintEffect {
    NoSchedule,
    PreferNoSchedule,
    NoExecute,
    Other(String),
}

impl TaintEffect {
    pub fn as_str(&self) -> &str {
        match self {
            TaintEffect::NoSchedule => "NoSchedule",
            TaintEffect::PreferNoSchedule => "PreferNoSchedule",
            TaintEffect::NoExecute => "NoExecute",
            TaintEffect::Other(s) => s,
        }
    }

    /// Whether the scheduler refuses a pod that does not tolerate it.
    pub fn blocks_scheduling(&self) -> bool {
        matches!(self, TaintEffect::NoSchedule | TaintEffect::NoExecute)
    }
}

impl From<&str> for TaintEffect {
    fn from(s: &str) -> Self {
        match s {
            "NoSchedule" => TaintEffect::NoSchedule,
            "PreferNoSchedule" => TaintEffect::PreferNoSchedule,
            "NoExecute" => TaintEffect::NoExecute,
            other => TaintEffect::Other(other.to_owned()),
        }
    }
}

impl fmt::Display for TaintEffect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Toleration {
    /// Empty strings become `None` and a missing operator means `Equal`,
    /// the defaults upstream applies.
    pub fn from_k8s(t: &core::Toleration) -> Toleration {
        let operator = match t.operator.as_deref() {
            None | Some("") | Some("Equal") => TolerationOperator::Equal,
            Some("Exists") => TolerationOperator::Exists,
            Some(other) => TolerationOperator::Other(other.to_owned()),
        };
        Toleration {
            key: non_empty(t.key.as_deref()),
            operator,
            value: non_empty(t.value.as_deref()),
            effect: non_empty(t.effect.as_deref()).map(|e| TaintEffect::from(e.as_str())),
        }
    }

    /// Upstream `Toleration.ToleratesTaint`: an unset effect or key matches
    /// any; `Exists` ignores the value; `Equal` compares it (unset == empty).
    pub fn tolerates(&self, taint: &Taint) -> bool {
        if let Some(effect) = &self.effect {
            if !effect.as_str().is_empty() && *effect != taint.effect {
                return false;
            }
        }
        if let Some(key) = self.key.as_deref() {
            if !key.is_empty() && key != taint.key {
                return false;
            }
        }
        match &self.operator {
            TolerationOperator::Exists => true,
            TolerationOperator::Equal => {
                self.value.as_deref().unwrap_or("") == taint.value.as_deref().unwrap_or("")
            }
            TolerationOperator::Other(_) => false,
        }
    }
}

impl Taint {
    pub fn from_k8s(t: &core::Taint) -> Taint {
        Taint {
            key: t.key.clone(),
            value: non_empty(t.value.as_deref()),
            effect: TaintEffect::from(t.effect.as_str()),
        }
    }
}

/// `key=value:Effect`, or `key:Effect` without a value, as kubectl prints taints.
impl fmt::Display for Taint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.value.as_deref() {
            Some(v) if !v.is_empty() => write!(f, "{}={}:{}", self.key, v, self.effect),
            _ => write!(f, "{}:{}", self.key, self.effect),
        }
    }
}

/// Whether a pod with `tolerations` may be scheduled onto a node with `taints`:
/// every `NoSchedule` and `NoExecute` taint must be tolerated, as the
/// scheduler's TaintToleration filter requires; other effects never block.
pub fn tolerates_all(tolerations: &[Toleration], taints: &[Taint]) -> bool {
    taints
        .iter()
        .filter(|t| t.effect.blocks_scheduling())
        .all(|taint| tolerations.iter().any(|t| t.tolerates(taint)))
}

fn non_empty(s: Option<&str>) -> Option<String> {
    s.filter(|s| !s.is_empty()).map(str::to_owned)
}

// ---------------------------------------------------------------------------
// Shared validation and rendering
// ---------------------------------------------------------------------------

#[derive(Clone, Copy)]
enum Arity {
    None,
    AtLeastOne,
    OneInteger,
}

fn check_arity(key: &str, op: &str, arity: Arity, values: &[String]) -> Result<(), SelectorError> {
    let problem = match (arity, values) {
        (Arity::AtLeastOne, []) => "values must not be empty for In and NotIn",
        (Arity::None, [_, ..]) => "values must be empty for Exists and DoesNotExist",
        (Arity::OneInteger, [v]) if parse_int(v).is_none() => {
            "the value must be an integer for Gt and Lt"
        }
        (Arity::OneInteger, [_]) => return Ok(()),
        (Arity::OneInteger, _) => "exactly one value is required for Gt and Lt",
        _ => return Ok(()),
    };
    Err(SelectorError::new(key, op, problem))
}

fn check_key(key: &str, op: &str) -> Result<(), SelectorError> {
    match qualified_name_problem(key) {
        Some(problem) => Err(SelectorError::new(
            key,
            op,
            format!("invalid label key: {problem}"),
        )),
        None => Ok(()),
    }
}

fn check_values(key: &str, op: &str, values: &[String]) -> Result<(), SelectorError> {
    for value in values {
        if let Some(problem) = label_value_problem(value) {
            return Err(SelectorError::new(
                key,
                op,
                format!("invalid label value {value:?}: {problem}"),
            ));
        }
    }
    Ok(())
}

/// Go's `strconv.ParseInt(s, 10, 64)` has the same grammar as Rust's i64 parser.
fn parse_int(s: &str) -> Option<i64> {
    s.parse().ok()
}

/// `([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]`: alphanumeric at both ends.
fn is_label_token(s: &str) -> bool {
    let b = s.as_bytes();
    match (b.first(), b.last()) {
        (Some(first), Some(last)) => {
            first.is_ascii_alphanumeric()
                && last.is_ascii_alphanumeric()
                && b.iter()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
        }
        _ => false,
    }
}

/// RFC 1123 subdomain: dot-separated lowercase labels, at most 253 bytes.
pub(crate) fn is_dns_subdomain(s: &str) -> bool {
    s.len() <= 253
        && s.split('.').all(|label| {
            let b = label.as_bytes();
            match (b.first(), b.last()) {
                (Some(first), Some(last)) => {
                    let ok_end = |c: &u8| c.is_ascii_lowercase() || c.is_ascii_digit();
                    ok_end(first) && ok_end(last) && b.iter().all(|c| ok_end(c) || *c == b'-')
                }
                _ => false,
            }
        })
}

/// Why `key` is not a qualified name (`[prefix/]name`), as `validateLabelKey` checks.
pub(crate) fn qualified_name_problem(key: &str) -> Option<String> {
    let name = match key.split_once('/') {
        None => key,
        Some((prefix, name)) => {
            if name.contains('/') {
                return Some("at most one '/' is allowed".to_owned());
            }
            if prefix.is_empty() {
                return Some("the prefix before '/' must not be empty".to_owned());
            }
            if !is_dns_subdomain(prefix) {
                return Some(format!(
                    "prefix {prefix:?} must be a lowercase DNS subdomain of at most 253 characters"
                ));
            }
            name
        }
    };
    if name.is_empty() {
        Some("the name part must not be empty".to_owned())
    } else if name.len() > 63 {
        Some("the name part must be at most 63 characters".to_owned())
    } else if !is_label_token(name) {
        Some(
            "the name part must consist of alphanumerics, '-', '_' or '.', \
             starting and ending with an alphanumeric"
                .to_owned(),
        )
    } else {
        None
    }
}

/// Why `value` is not a label value, as `validation.IsValidLabelValue` checks.
pub(crate) fn label_value_problem(value: &str) -> Option<&'static str> {
    if value.len() > 63 {
        Some("must be at most 63 characters")
    } else if !value.is_empty() && !is_label_token(value) {
        Some(
            "must be empty or consist of alphanumerics, '-', '_' or '.', \
             starting and ending with an alphanumeric",
        )
    } else {
        None
    }
}

#[derive(Clone, Copy)]
enum Symbolic {
    In,
    NotIn,
    Exists,
    DoesNotExist,
    Gt,
    Lt,
}

/// The `labels.Requirement.String` forms, with values sorted and deduplicated.
fn write_requirement(
    f: &mut fmt::Formatter<'_>,
    key: &str,
    op: Symbolic,
    values: &[String],
) -> fmt::Result {
    let mut sorted: Vec<&str> = values.iter().map(String::as_str).collect();
    sorted.sort_unstable();
    sorted.dedup();
    let list = sorted.join(",");
    match op {
        Symbolic::In => write!(f, "{key} in ({list})"),
        Symbolic::NotIn => write!(f, "{key} notin ({list})"),
        Symbolic::Exists => write!(f, "{key}"),
        Symbolic::DoesNotExist => write!(f, "!{key}"),
        Symbolic::Gt => write!(f, "{key}>{list}"),
        Symbolic::Lt => write!(f, "{key}<{list}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn labels(pairs: &[(&str, &str)]) -> Labels {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn strings(values: &[&str]) -> Vec<String> {
        values.iter().map(|v| (*v).to_owned()).collect()
    }

    fn k8s_label_req(
        key: &str,
        op: &str,
        values: Option<&[&str]>,
    ) -> meta::LabelSelectorRequirement {
        meta::LabelSelectorRequirement {
            key: key.to_owned(),
            operator: op.to_owned(),
            values: values.map(strings),
        }
    }

    fn k8s_label_selector(
        match_labels: &[(&str, &str)],
        exprs: Vec<meta::LabelSelectorRequirement>,
    ) -> meta::LabelSelector {
        meta::LabelSelector {
            match_labels: (!match_labels.is_empty()).then(|| {
                match_labels
                    .iter()
                    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                    .collect()
            }),
            match_expressions: (!exprs.is_empty()).then_some(exprs),
        }
    }

    fn label_sel(
        match_labels: &[(&str, &str)],
        exprs: Vec<meta::LabelSelectorRequirement>,
    ) -> LabelSelector {
        match LabelSelector::from_k8s(&k8s_label_selector(match_labels, exprs)) {
            Ok(s) => s,
            Err(e) => panic!("selector should convert: {e}"),
        }
    }

    fn node_req(key: &str, op: &str, values: &[&str]) -> core::NodeSelectorRequirement {
        core::NodeSelectorRequirement {
            key: key.to_owned(),
            operator: op.to_owned(),
            values: (!values.is_empty()).then(|| strings(values)),
        }
    }

    fn term(
        exprs: Vec<core::NodeSelectorRequirement>,
        fields: Vec<core::NodeSelectorRequirement>,
    ) -> core::NodeSelectorTerm {
        core::NodeSelectorTerm {
            match_expressions: (!exprs.is_empty()).then_some(exprs),
            match_fields: (!fields.is_empty()).then_some(fields),
        }
    }

    fn node_sel(terms: Vec<core::NodeSelectorTerm>) -> NodeSelector {
        let k8s = core::NodeSelector {
            node_selector_terms: terms,
        };
        match NodeSelector::from_k8s(&k8s) {
            Ok(s) => s,
            Err(e) => panic!("node selector should convert: {e}"),
        }
    }

    fn one_expr(key: &str, op: &str, values: &[&str]) -> NodeSelector {
        node_sel(vec![term(vec![node_req(key, op, values)], vec![])])
    }

    // --- label selectors ---------------------------------------------------

    #[test]
    fn label_operators() {
        let db = labels(&[("app", "db"), ("tier", "a")]);
        let bare = labels(&[("app", "db")]);

        let s = label_sel(&[], vec![k8s_label_req("tier", "In", Some(&["a", "b"]))]);
        assert!(s.matches(&db));
        assert!(!s.matches(&bare));
        assert!(!s.matches(&labels(&[("tier", "c")])));

        let s = label_sel(&[], vec![k8s_label_req("tier", "NotIn", Some(&["a"]))]);
        assert!(!s.matches(&db));
        assert!(s.matches(&bare), "absent label is not in the set");
        assert!(s.matches(&labels(&[("tier", "b")])));

        let s = label_sel(&[], vec![k8s_label_req("tier", "Exists", None)]);
        assert!(s.matches(&db));
        assert!(!s.matches(&bare));

        let s = label_sel(&[], vec![k8s_label_req("tier", "DoesNotExist", Some(&[]))]);
        assert!(!s.matches(&db));
        assert!(s.matches(&bare));

        let s = label_sel(&[("app", "db")], vec![]);
        assert!(s.matches(&db));
        assert!(!s.matches(&labels(&[("app", "web")])));
        assert!(!s.matches(&Labels::new()));
    }

    #[test]
    fn empty_label_selector_matches_everything() {
        let s = label_sel(&[], vec![]);
        assert!(s.is_empty());
        assert!(s.matches(&Labels::new()));
        assert!(s.matches(&labels(&[("x", "y")])));
        assert_eq!(s.to_string(), "");
        assert!(!label_sel(&[("a", "b")], vec![]).is_empty());
    }

    #[test]
    fn label_selector_conversion_errors() {
        let cases = [
            (
                k8s_label_req("tier", "Equals", Some(&["a"])),
                "tier",
                "Equals",
            ),
            (k8s_label_req("tier", "in", Some(&["a"])), "tier", "in"),
            (k8s_label_req("tier", "In", None), "tier", "In"),
            (k8s_label_req("tier", "NotIn", Some(&[])), "tier", "NotIn"),
            (
                k8s_label_req("tier", "Exists", Some(&["a"])),
                "tier",
                "Exists",
            ),
            (
                k8s_label_req("tier", "DoesNotExist", Some(&["a"])),
                "tier",
                "DoesNotExist",
            ),
            (
                k8s_label_req("bad key", "Exists", None),
                "bad key",
                "Exists",
            ),
            (k8s_label_req("a/b/c", "Exists", None), "a/b/c", "Exists"),
            (
                k8s_label_req("Bad.Prefix/x", "Exists", None),
                "Bad.Prefix/x",
                "Exists",
            ),
            (k8s_label_req("tier", "In", Some(&["-a"])), "tier", "In"),
        ];
        for (req, key, op) in cases {
            let err = LabelSelector::from_k8s(&k8s_label_selector(&[], vec![req]));
            let Err(err) = err else {
                panic!("{key} {op} should be rejected");
            };
            assert_eq!((err.key(), err.operator()), (key, op));
            let text = err.to_string();
            assert!(text.contains(key) && text.contains(op), "{text}");
        }
        let err = LabelSelector::from_k8s(&k8s_label_selector(&[("app", "no spaces")], vec![]));
        assert!(err.is_err());
        let long = "x".repeat(64);
        let err = LabelSelector::from_k8s(&k8s_label_selector(&[(long.as_str(), "v")], vec![]));
        assert!(err.is_err());
        let ok = LabelSelector::from_k8s(&k8s_label_selector(
            &[("example.com/app", ""), ("a_b.c-d", "V1.2_x")],
            vec![],
        ));
        assert!(ok.is_ok());
    }

    #[test]
    fn label_selector_display_sorted_like_kubectl() {
        let s = label_sel(
            &[("app", "db")],
            vec![
                k8s_label_req("tier", "In", Some(&["b", "a"])),
                k8s_label_req("gone", "DoesNotExist", None),
                k8s_label_req("zone", "NotIn", Some(&["x"])),
                k8s_label_req("env", "Exists", None),
            ],
        );
        assert_eq!(
            s.to_string(),
            "app=db,env,!gone,tier in (a,b),zone notin (x)"
        );
    }

    // --- node selectors ----------------------------------------------------

    #[test]
    fn node_operators() {
        let node = labels(&[("zone", "a"), ("cpus", "8"), ("gen", "x2")]);

        assert!(one_expr("zone", "In", &["a", "b"]).matches("n", &node));
        assert!(!one_expr("zone", "In", &["b"]).matches("n", &node));
        assert!(!one_expr("missing", "In", &["a"]).matches("n", &node));

        assert!(!one_expr("zone", "NotIn", &["a"]).matches("n", &node));
        assert!(one_expr("zone", "NotIn", &["b"]).matches("n", &node));
        assert!(one_expr("missing", "NotIn", &["a"]).matches("n", &node));

        assert!(one_expr("zone", "Exists", &[]).matches("n", &node));
        assert!(!one_expr("missing", "Exists", &[]).matches("n", &node));

        assert!(!one_expr("zone", "DoesNotExist", &[]).matches("n", &node));
        assert!(one_expr("missing", "DoesNotExist", &[]).matches("n", &node));

        assert!(one_expr("cpus", "Gt", &["4"]).matches("n", &node));
        assert!(!one_expr("cpus", "Gt", &["8"]).matches("n", &node));
        assert!(one_expr("cpus", "Lt", &["9"]).matches("n", &node));
        assert!(!one_expr("cpus", "Lt", &["8"]).matches("n", &node));
        assert!(!one_expr("missing", "Gt", &["1"]).matches("n", &node));
        // A label that is not an integer never satisfies Gt/Lt.
        assert!(!one_expr("gen", "Gt", &["1"]).matches("n", &node));
        assert!(!one_expr("gen", "Lt", &["1"]).matches("n", &node));
    }

    #[test]
    fn invalid_requirements_make_their_term_match_nothing() {
        let node = labels(&[("zone", "a"), ("cpus", "8")]);
        let invalid = [
            one_expr("cpus", "Gt", &["4", "5"]),
            one_expr("cpus", "Gt", &[]),
            one_expr("cpus", "Lt", &["nine"]),
            one_expr("zone", "In", &[]),
            one_expr("zone", "Exists", &["a"]),
            one_expr("zone", "DoesNotExist", &["b"]),
            one_expr("bad key", "Exists", &[]),
        ];
        for s in &invalid {
            assert!(!s.matches("n", &node), "{s}");
            assert!(s.validate().is_err(), "{s}");
        }
        // Upstream NewLazyErrorNodeSelector: a broken term does not spoil the others.
        let mixed = node_sel(vec![
            term(vec![node_req("cpus", "Gt", &["x"])], vec![]),
            term(vec![node_req("zone", "In", &["a"])], vec![]),
        ]);
        assert!(mixed.matches("n", &node));
        assert!(mixed.validate().is_err());
        // Within a term, one broken requirement invalidates the whole term.
        let same_term = node_sel(vec![term(
            vec![
                node_req("zone", "In", &["a"]),
                node_req("cpus", "Gt", &["x"]),
            ],
            vec![],
        )]);
        assert!(!same_term.matches("n", &node));
    }

    #[test]
    fn empty_terms_and_lists_match_nothing() {
        let node = labels(&[("zone", "a")]);
        assert!(!node_sel(vec![]).matches("n", &node));
        assert!(!node_sel(vec![term(vec![], vec![])]).matches("n", &node));
        let k8s = core::NodeSelector {
            node_selector_terms: vec![core::NodeSelectorTerm {
                match_expressions: Some(vec![]),
                match_fields: Some(vec![]),
            }],
        };
        let s = NodeSelector::from_k8s(&k8s);
        assert_eq!(s.as_ref().map(|s| s.matches("n", &node)), Ok(false));
        assert_eq!(s.map(|s| s.validate().is_ok()), Ok(true));
    }

    #[test]
    fn terms_are_ored_and_requirements_anded() {
        let node = labels(&[("zone", "a"), ("disk", "ssd")]);
        let and = node_sel(vec![term(
            vec![
                node_req("zone", "In", &["a"]),
                node_req("disk", "In", &["hdd"]),
            ],
            vec![],
        )]);
        assert!(!and.matches("n", &node));
        let or = node_sel(vec![
            term(vec![node_req("zone", "In", &["b"])], vec![]),
            term(vec![node_req("disk", "In", &["ssd"])], vec![]),
        ]);
        assert!(or.matches("n", &node));
    }

    #[test]
    fn match_fields_support_only_node_name_in_and_notin() {
        let node = labels(&[("zone", "a")]);
        let field = |op: &str, values: &[&str]| {
            node_sel(vec![term(
                vec![],
                vec![node_req("metadata.name", op, values)],
            )])
        };
        assert!(field("In", &["node-1"]).matches("node-1", &node));
        assert!(!field("In", &["node-1"]).matches("node-2", &node));
        assert!(!field("NotIn", &["node-1"]).matches("node-1", &node));
        assert!(field("NotIn", &["node-1"]).matches("node-2", &node));
        // Exactly one value, only In/NotIn, only metadata.name.
        assert!(!field("In", &["node-1", "node-2"]).matches("node-1", &node));
        assert!(!field("Exists", &[]).matches("node-1", &node));
        let other_key = node_sel(vec![term(
            vec![],
            vec![node_req("metadata.uid", "In", &["x"])],
        )]);
        assert!(!other_key.matches("x", &node));
        assert!(other_key.validate().is_err());
        // Fields and expressions in one term are ANDed.
        let both = node_sel(vec![term(
            vec![node_req("zone", "In", &["a"])],
            vec![node_req("metadata.name", "In", &["node-1"])],
        )]);
        assert!(both.matches("node-1", &node));
        assert!(!both.matches("node-2", &node));
        assert!(!both.matches("node-1", &labels(&[("zone", "b")])));
        // Upstream sees no fields on a nameless node and skips matchFields.
        assert!(field("In", &["node-1"]).matches("", &node));
    }

    #[test]
    fn unknown_node_operator_is_a_conversion_error() {
        let k8s = core::NodeSelector {
            node_selector_terms: vec![term(vec![node_req("zone", "Equals", &["a"])], vec![])],
        };
        let err = NodeSelector::from_k8s(&k8s);
        let Err(err) = err else {
            panic!("unknown operator should fail");
        };
        assert_eq!((err.key(), err.operator()), ("zone", "Equals"));
        let k8s = core::NodeSelector {
            node_selector_terms: vec![term(vec![], vec![node_req("metadata.name", "Foo", &["a"])])],
        };
        assert!(NodeSelector::from_k8s(&k8s).is_err());
    }

    #[test]
    fn pinned_hostnames_for_local_volume_shapes() {
        let pinned = node_sel(vec![term(
            vec![node_req(HOSTNAME_LABEL, "In", &["node-2", "node-1"])],
            vec![],
        )]);
        assert_eq!(
            pinned.pinned_hostnames(),
            Some(strings(&["node-1", "node-2"]))
        );

        let two_terms = node_sel(vec![
            term(vec![node_req(HOSTNAME_LABEL, "In", &["node-3"])], vec![]),
            term(
                vec![
                    node_req("zone", "In", &["a"]),
                    node_req(HOSTNAME_LABEL, "In", &["node-1", "node-3"]),
                ],
                vec![],
            ),
        ]);
        assert_eq!(
            two_terms.pinned_hostnames(),
            Some(strings(&["node-1", "node-3"]))
        );

        let narrowed = node_sel(vec![term(
            vec![
                node_req(HOSTNAME_LABEL, "In", &["node-1", "node-2"]),
                node_req(HOSTNAME_LABEL, "NotIn", &["node-2"]),
            ],
            vec![],
        )]);
        assert_eq!(narrowed.pinned_hostnames(), Some(strings(&["node-1"])));

        let one_open = node_sel(vec![
            term(vec![node_req(HOSTNAME_LABEL, "In", &["node-1"])], vec![]),
            term(vec![node_req("zone", "In", &["a"])], vec![]),
        ]);
        assert_eq!(one_open.pinned_hostnames(), None);
        assert_eq!(
            one_expr(HOSTNAME_LABEL, "Exists", &[]).pinned_hostnames(),
            None
        );
        assert_eq!(
            one_expr(HOSTNAME_LABEL, "NotIn", &["x"]).pinned_hostnames(),
            None
        );

        // Terms that can never match pin nothing.
        let with_broken = node_sel(vec![
            term(vec![node_req(HOSTNAME_LABEL, "In", &["node-1"])], vec![]),
            term(vec![node_req("zone", "Gt", &["a"])], vec![]),
            term(vec![], vec![]),
        ]);
        assert_eq!(with_broken.pinned_hostnames(), Some(strings(&["node-1"])));
        assert_eq!(node_sel(vec![]).pinned_hostnames(), Some(vec![]));
    }

    #[test]
    fn required_values_per_term() {
        let zone = "topology.kubernetes.io/zone";
        let s = node_sel(vec![
            term(vec![node_req(zone, "In", &["b", "a"])], vec![]),
            term(vec![node_req("disk", "In", &["ssd"])], vec![]),
            term(
                vec![
                    node_req(zone, "In", &["a", "c"]),
                    node_req(zone, "In", &["c", "d"]),
                ],
                vec![],
            ),
            term(
                vec![
                    node_req(zone, "In", &["a"]),
                    node_req(zone, "DoesNotExist", &[]),
                ],
                vec![],
            ),
        ]);
        assert_eq!(
            s.required_values(zone),
            vec![strings(&["a", "b"]), vec![], strings(&["c"])]
        );
        assert_eq!(
            s.required_values("disk"),
            vec![vec![], strings(&["ssd"]), vec![], vec![]]
        );
    }

    #[test]
    fn node_selector_display() {
        let s = node_sel(vec![
            term(vec![node_req(HOSTNAME_LABEL, "In", &["node-1"])], vec![]),
            term(vec![node_req("zone", "In", &["b", "a"])], vec![]),
        ]);
        assert_eq!(
            s.to_string(),
            "kubernetes.io/hostname in (node-1) || zone in (a,b)"
        );
        let s = node_sel(vec![
            term(
                vec![
                    node_req("cpus", "Gt", &["4"]),
                    node_req("mem", "Lt", &["9"]),
                    node_req("gpu", "DoesNotExist", &[]),
                    node_req("ssd", "Exists", &[]),
                    node_req("zone", "NotIn", &["c"]),
                ],
                vec![node_req("metadata.name", "In", &["n1"])],
            ),
            term(vec![], vec![]),
        ]);
        assert_eq!(
            s.to_string(),
            "cpus>4,mem<9,!gpu,ssd,zone notin (c),metadata.name in (n1) || <empty>"
        );
        assert_eq!(node_sel(vec![]).to_string(), "<none>");
    }

    // --- tolerations -------------------------------------------------------

    fn k8s_toleration(
        key: Option<&str>,
        op: Option<&str>,
        value: Option<&str>,
        effect: Option<&str>,
    ) -> Toleration {
        Toleration::from_k8s(&core::Toleration {
            key: key.map(str::to_owned),
            operator: op.map(str::to_owned),
            value: value.map(str::to_owned),
            effect: effect.map(str::to_owned),
            toleration_seconds: None,
        })
    }

    fn k8s_taint(key: &str, value: Option<&str>, effect: &str) -> Taint {
        Taint::from_k8s(&core::Taint {
            key: key.to_owned(),
            value: value.map(str::to_owned),
            effect: effect.to_owned(),
            time_added: None,
        })
    }

    #[test]
    fn toleration_conversion_defaults() {
        let t = k8s_toleration(Some(""), None, Some(""), Some(""));
        assert_eq!(
            t,
            Toleration {
                key: None,
                operator: TolerationOperator::Equal,
                value: None,
                effect: None,
            }
        );
        let t = k8s_toleration(Some("k"), Some("Gt"), Some("5"), Some("NoExecute"));
        assert_eq!(t.operator, TolerationOperator::Other("Gt".to_owned()));
        assert_eq!(t.effect, Some(TaintEffect::NoExecute));
        let taint = k8s_taint("k", Some("v"), "Weird");
        assert_eq!(taint.effect, TaintEffect::Other("Weird".to_owned()));
        assert_eq!(taint.to_string(), "k=v:Weird");
        assert_eq!(
            k8s_taint("k", Some(""), "NoSchedule").to_string(),
            "k:NoSchedule"
        );
    }

    #[test]
    fn toleration_matching() {
        let taint = k8s_taint("dedicated", Some("db"), "NoSchedule");

        let equal = k8s_toleration(
            Some("dedicated"),
            Some("Equal"),
            Some("db"),
            Some("NoSchedule"),
        );
        assert!(equal.tolerates(&taint));
        let default_op = k8s_toleration(Some("dedicated"), None, Some("db"), None);
        assert!(default_op.tolerates(&taint), "operator defaults to Equal");
        let wrong_value = k8s_toleration(Some("dedicated"), Some("Equal"), Some("web"), None);
        assert!(!wrong_value.tolerates(&taint));
        let no_value = k8s_toleration(Some("dedicated"), Some("Equal"), None, None);
        assert!(!no_value.tolerates(&taint));
        assert!(no_value.tolerates(&k8s_taint("dedicated", None, "NoSchedule")));

        let exists = k8s_toleration(Some("dedicated"), Some("Exists"), None, None);
        assert!(exists.tolerates(&taint));
        assert!(!exists.tolerates(&k8s_taint("other", Some("db"), "NoSchedule")));

        let wildcard = k8s_toleration(None, Some("Exists"), None, None);
        assert!(wildcard.tolerates(&taint));
        assert!(wildcard.tolerates(&k8s_taint("anything", None, "NoExecute")));

        let wrong_effect =
            k8s_toleration(Some("dedicated"), Some("Exists"), None, Some("NoExecute"));
        assert!(!wrong_effect.tolerates(&taint));

        let gated = k8s_toleration(Some("dedicated"), Some("Gt"), Some("1"), None);
        assert!(!gated.tolerates(&taint));
    }

    #[test]
    fn tolerates_all_only_counts_blocking_effects() {
        let no_schedule = k8s_taint("a", None, "NoSchedule");
        let no_execute = k8s_taint("b", Some("x"), "NoExecute");
        let prefer = k8s_taint("c", None, "PreferNoSchedule");
        let other = k8s_taint("d", None, "Custom");

        assert!(tolerates_all(&[], &[]));
        assert!(tolerates_all(&[], &[prefer.clone(), other.clone()]));
        assert!(!tolerates_all(&[], std::slice::from_ref(&no_schedule)));
        assert!(!tolerates_all(&[], std::slice::from_ref(&no_execute)));

        let tol_a = k8s_toleration(Some("a"), Some("Exists"), None, None);
        let tol_b = k8s_toleration(Some("b"), None, Some("x"), Some("NoExecute"));
        let all = [no_schedule, no_execute, prefer, other];
        assert!(!tolerates_all(std::slice::from_ref(&tol_a), &all));
        assert!(tolerates_all(&[tol_a, tol_b], &all));
        assert!(tolerates_all(
            &[k8s_toleration(None, Some("Exists"), None, None)],
            &all
        ));
    }

    // --- properties ---------------------------------------------------------

    fn small_labels() -> impl Strategy<Value = Labels> {
        prop::collection::btree_map("[a-e]", "[xyz]", 0..5).prop_map(Labels::from)
    }

    proptest! {
        #[test]
        fn match_labels_selector_matches_subsets(selector in small_labels(), node in small_labels()) {
            let k8s = meta::LabelSelector {
                match_labels: Some(selector.iter().map(|(k, v)| (k.clone(), v.clone())).collect()),
                match_expressions: None,
            };
            let converted = LabelSelector::from_k8s(&k8s);
            prop_assert!(converted.is_ok());
            if let Ok(s) = converted {
                let subset = selector.iter().all(|(k, v)| node.get(k) == Some(v));
                prop_assert_eq!(s.matches(&node), subset);
            }
        }

        #[test]
        fn from_k8s_never_panics(key in ".{0,20}", op in ".{0,8}", values in prop::collection::vec(".{0,8}", 0..3)) {
            let req = meta::LabelSelectorRequirement { key: key.clone(), operator: op.clone(), values: Some(values.clone()) };
            let _ = LabelSelector::from_k8s(&meta::LabelSelector { match_labels: None, match_expressions: Some(vec![req]) });
            let nreq = core::NodeSelectorRequirement { key, operator: op, values: Some(values) };
            let t = core::NodeSelectorTerm { match_expressions: Some(vec![nreq.clone()]), match_fields: Some(vec![nreq]) };
            if let Ok(s) = NodeSelector::from_k8s(&core::NodeSelector { node_selector_terms: vec![t] }) {
                let _ = (s.matches("n", &Labels::new()), s.pinned_hostnames(), s.to_string());
            }
        }
    }
}
