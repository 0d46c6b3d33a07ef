//! Placement constraints as alternatives of requirements on node labels and the node name, and
//! whether two of them can ever hold on one node. Used when no Node objects are given: then only
//! the constraints themselves can show that two sides never meet.

use std::collections::BTreeMap;

use crate::model::selector::{NodeOperator, NodeRequirement, NodeSelector, NODE_NAME_FIELD};
use crate::model::PodTemplate;

/// Requirements that must all hold on one node.
#[derive(Clone, Debug, Default)]
struct Conjunction {
    labels: Vec<NodeRequirement>,
    fields: Vec<NodeRequirement>,
}

/// Alternatives, any of which places a node in the region. No alternatives: no node at all.
#[derive(Clone, Debug)]
pub struct Region {
    alternatives: Vec<Conjunction>,
}

impl Region {
    /// The nodes a node selector (a volume's node affinity) admits; terms that never match
    /// (empty or invalid) are left out, as the scheduler ignores them.
    pub fn of_selector(selector: &NodeSelector) -> Region {
        Region {
            alternatives: selector
                .terms
                .iter()
                .filter(|t| !t.is_empty() && t.validate().is_ok())
                .map(|t| Conjunction {
                    labels: t.match_expressions.clone(),
                    fields: t.match_fields.clone(),
                })
                .collect(),
        }
    }

    /// The nodes a pod may run on by its nodeName, nodeSelector and required node affinity;
    /// `None` when the affinity cannot be read (another finding's business).
    pub fn of_pod(template: &PodTemplate) -> Option<Region> {
        let mut base = Conjunction::default();
        for (key, value) in &template.node_selector {
            base.labels.push(NodeRequirement {
                key: key.clone(),
                operator: NodeOperator::In,
                values: vec![value.clone()],
            });
        }
        if let Some(name) = &template.node_name {
            base.fields.push(NodeRequirement {
                key: NODE_NAME_FIELD.to_owned(),
                operator: NodeOperator::In,
                values: vec![name.clone()],
            });
        }
        let alternatives = match &template.required_affinity {
            None => vec![base],
            Some(Err(_)) => return None,
            Some(Ok(selector)) => Region::of_selector(selector)
                .alternatives
                .into_iter()
                .map(|mut alt| {
                    alt.labels.extend(base.labels.iter().cloned());
                    alt.fields.extend(base.fields.iter().cloned());
                    alt
                })
                .collect(),
        };
        Some(Region { alternatives })
    }

    pub fn is_empty(&self) -> bool {
        self.alternatives.is_empty()
    }
}

/// The label keys (or `metadata.name`) on which two regions can never agree, when no node can be
/// in both; `None` when some node may be. Regions that admit no node at all are not judged.
pub fn disjoint(a: &Region, b: &Region) -> Option<Vec<String>> {
    if a.is_empty() || b.is_empty() {
        return None;
    }
    let mut keys = Vec::new();
    for x in &a.alternatives {
        for y in &b.alternatives {
            match clash(x, y) {
                None => return None,
                Some(key) => keys.push(key),
            }
        }
    }
    keys.sort();
    keys.dedup();
    Some(keys)
}

/// The first key on which two conjunctions contradict each other.
fn clash(x: &Conjunction, y: &Conjunction) -> Option<String> {
    let by_key = |reqs: &mut BTreeMap<String, Vec<NodeRequirement>>, list: &[NodeRequirement]| {
        for r in list {
            reqs.entry(r.key.clone()).or_default().push(r.clone());
        }
    };
    let mut labels = BTreeMap::new();
    by_key(&mut labels, &x.labels);
    by_key(&mut labels, &y.labels);
    let mut fields = BTreeMap::new();
    by_key(&mut fields, &x.fields);
    by_key(&mut fields, &y.fields);
    labels
        .iter()
        .chain(&fields)
        .find(|(_, reqs)| !satisfiable(reqs))
        .map(|(key, _)| key.clone())
}

/// Whether some value of one key (or its absence) meets every requirement on it. Gt and Lt are
/// judged only against listed values; alone they are taken as satisfiable.
fn satisfiable(reqs: &[NodeRequirement]) -> bool {
    if let Some(listed) = reqs.iter().find(|r| r.operator == NodeOperator::In) {
        return listed
            .values
            .iter()
            .any(|v| reqs.iter().all(|r| r.matches_label(Some(v))));
    }
    let has = |op: NodeOperator| reqs.iter().any(|r| r.operator == op);
    let needs_value = has(NodeOperator::Exists) || has(NodeOperator::Gt) || has(NodeOperator::Lt);
    !(needs_value && has(NodeOperator::DoesNotExist))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::selector::NodeSelectorTerm;

    fn req(key: &str, operator: NodeOperator, values: &[&str]) -> NodeRequirement {
        NodeRequirement {
            key: key.to_owned(),
            operator,
            values: values.iter().map(|v| (*v).to_owned()).collect(),
        }
    }

    fn region(terms: Vec<Vec<NodeRequirement>>) -> Region {
        Region::of_selector(&NodeSelector {
            terms: terms
                .into_iter()
                .map(|match_expressions| NodeSelectorTerm::new(match_expressions, Vec::new()))
                .collect(),
        })
    }

    const ZONE: &str = "topology.kubernetes.io/zone";

    #[test]
    fn different_zones_never_meet() {
        let a = region(vec![vec![req(ZONE, NodeOperator::In, &["a"])]]);
        let b = region(vec![vec![req(ZONE, NodeOperator::In, &["b", "c"])]]);
        assert_eq!(disjoint(&a, &b), Some(vec![ZONE.to_owned()]));
    }

    #[test]
    fn one_shared_value_or_term_is_enough() {
        let a = region(vec![vec![req(ZONE, NodeOperator::In, &["a", "b"])]]);
        let b = region(vec![vec![req(ZONE, NodeOperator::In, &["b"])]]);
        assert_eq!(disjoint(&a, &b), None);
        let c = region(vec![
            vec![req(ZONE, NodeOperator::In, &["x"])],
            vec![req(ZONE, NodeOperator::In, &["a"])],
        ]);
        assert_eq!(disjoint(&a, &c), None);
    }

    #[test]
    fn other_keys_and_operators() {
        let zone_a = region(vec![vec![req(ZONE, NodeOperator::In, &["a"])]]);
        let host = region(vec![vec![req(
            "kubernetes.io/hostname",
            NodeOperator::In,
            &["n1"],
        )]]);
        assert_eq!(disjoint(&zone_a, &host), None, "different keys can meet");
        let not_a = region(vec![vec![req(ZONE, NodeOperator::NotIn, &["a"])]]);
        assert!(disjoint(&zone_a, &not_a).is_some());
        let no_zone = region(vec![vec![req(ZONE, NodeOperator::DoesNotExist, &[])]]);
        assert!(disjoint(&zone_a, &no_zone).is_some());
        let any_zone = region(vec![vec![req(ZONE, NodeOperator::Exists, &[])]]);
        assert_eq!(disjoint(&zone_a, &any_zone), None);
        assert!(disjoint(&any_zone, &no_zone).is_some());
    }

    #[test]
    fn regions_admitting_nothing_are_not_judged() {
        let nothing = region(vec![vec![]]);
        let zone_a = region(vec![vec![req(ZONE, NodeOperator::In, &["a"])]]);
        assert_eq!(disjoint(&nothing, &zone_a), None);
    }

    #[test]
    fn pod_node_selector_and_affinity_are_anded() {
        let mut template = PodTemplate::default();
        template
            .node_selector
            .insert(ZONE.to_owned(), "b".to_owned());
        let pod = Region::of_pod(&template).unwrap();
        let zone_a = region(vec![vec![req(ZONE, NodeOperator::In, &["a"])]]);
        assert!(disjoint(&pod, &zone_a).is_some());
        let unconstrained = Region::of_pod(&PodTemplate::default()).unwrap();
        assert_eq!(disjoint(&unconstrained, &zone_a), None);
    }
}
