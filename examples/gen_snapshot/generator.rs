//! Synthetic cluster snapshots for benchmarks: the objects `kubectl get
//! pv,pvc,sc,pods,nodes,statefulsets,deployments -A` returns on a large cluster, written as a
//! multi-document YAML stream, a JSON `List` or a YAML `List`.
//!
//! The snapshot is deterministic for a seed and exercises every path of the matcher: claims
//! already bound (bind-completed, with uids), pre-bound volumes (claimRef without uid), volumes
//! whose claim is gone (Released, Failed, recycled), stale claimRefs, claims naming their volume,
//! many claims competing for static volumes of similar sizes (some with label selectors), claims
//! nothing fits, dynamic classes (Immediate and WaitForFirstConsumer, retroactive default class),
//! and local volumes pinned to nodes that Pods and StatefulSets consume through the scheduler's
//! path. Exactly `pvs` PersistentVolumes and `claims` PersistentVolumeClaim objects are written;
//! the StatefulSets' volumeClaimTemplates make further claims when loaded.
//!
//! Used by `examples/gen_snapshot.rs` and `benches/plan.rs` (through `#[path]`).

use std::borrow::Cow;
use std::io;

/// What to generate.
#[derive(Clone, Debug)]
pub struct Options {
    pub pvs: usize,
    pub claims: usize,
    pub seed: u64,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            pvs: 100_000,
            claims: 100_000,
            seed: 1,
        }
    }
}

impl Options {
    /// Takes `arg` when it is one of the generator's own flags (`--pvs N`, `--claims N`,
    /// `--seed N`), its value from `args`: true then, false for any other argument.
    pub fn take_flag(
        &mut self,
        arg: &str,
        args: &mut impl Iterator<Item = String>,
    ) -> Result<bool, String> {
        match arg {
            "--pvs" => self.pvs = count_after(arg, args)?,
            "--claims" => self.claims = count_after(arg, args)?,
            "--seed" => self.seed = count_after(arg, args)? as u64,
            _ => return Ok(false),
        }
        Ok(true)
    }
}

/// The value after the flag `name` on a command line, as a count (`100_000` may be written).
pub fn count_after(name: &str, args: &mut impl Iterator<Item = String>) -> Result<usize, String> {
    let value = args.next().ok_or_else(|| format!("{name} needs a value"))?;
    value
        .replace('_', "")
        .parse()
        .map_err(|_| format!("{name}: {value:?} is not a number"))
}

/// How to write it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Multi-document YAML, `---` before every object.
    Yaml,
    /// `{"apiVersion": "v1", "items": [...], "kind": "List", ...}` as `kubectl get -o json`
    /// writes it (4-space indent, sorted keys).
    Json,
    /// The same List as YAML, as `kubectl get -o yaml` writes it (items at column 0).
    ListYaml,
    /// The JSON List on one line without spaces, as `jq -c` or most API clients write it.
    CompactJson,
}

impl Format {
    pub fn parse(s: &str) -> Option<Format> {
        match s {
            "yaml" => Some(Format::Yaml),
            "json" => Some(Format::Json),
            "list-yaml" => Some(Format::ListYaml),
            "compact-json" => Some(Format::CompactJson),
            _ => None,
        }
    }
}

/// What was written.
#[derive(Clone, Debug, Default)]
pub struct Summary {
    pub pvs: usize,
    pub claims: usize,
    pub classes: usize,
    pub nodes: usize,
    pub pods: usize,
    pub statefulsets: usize,
    /// Claims the StatefulSets' volumeClaimTemplates add when loaded (on top of `claims`).
    pub statefulset_claims: usize,
    pub deployments: usize,
    pub bytes: usize,
}

impl std::fmt::Display for Summary {
    /// What was generated, counted by kind.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} PVs, {} claims (+{} from StatefulSet templates), {} classes, {} nodes, {} pods, {} statefulsets, {} deployments",
            self.pvs,
            self.claims,
            self.statefulset_claims,
            self.classes,
            self.nodes,
            self.pods,
            self.statefulsets,
            self.deployments
        )
    }
}

/// The whole snapshot as one string.
#[allow(dead_code)] // the bench uses it, the example streams
pub fn generate(options: &Options, format: Format) -> (String, Summary) {
    let mut out = Vec::new();
    let summary = write(options, format, &mut out).expect("writing to memory cannot fail");
    let text = String::from_utf8(out).expect("the generator writes UTF-8");
    (text, summary)
}

/// Streams the snapshot to `out`.
pub fn write(options: &Options, format: Format, out: &mut dyn io::Write) -> io::Result<Summary> {
    let cluster = Cluster::plan(options);
    let mut w = Writer {
        out,
        format,
        buf: String::with_capacity(1 << 17),
        first: true,
        bytes: 0,
    };
    w.begin()?;
    for pv in &cluster.pvs {
        w.object(&cluster.pv_object(pv))?;
    }
    for pvc in &cluster.pvcs {
        w.object(&cluster.pvc_object(pvc))?;
    }
    for class in storage_classes() {
        w.object(&class)?;
    }
    for pod in &cluster.pods {
        w.object(&cluster.pod_object(pod))?;
    }
    for n in 0..cluster.nodes.len() {
        w.object(&cluster.node_object(n))?;
    }
    for sts in &cluster.statefulsets {
        w.object(&cluster.statefulset_object(sts))?;
    }
    for deploy in &cluster.deployments {
        w.object(&cluster.deployment_object(deploy))?;
    }
    w.end()?;
    Ok(Summary {
        pvs: cluster.pvs.len(),
        claims: cluster.pvcs.len(),
        classes: CLASSES,
        nodes: cluster.nodes.len(),
        pods: cluster.pods.len(),
        statefulsets: cluster.statefulsets.len(),
        statefulset_claims: cluster
            .statefulsets
            .iter()
            .map(|s| s.replicas * (1 + usize::from(s.logs)))
            .sum(),
        deployments: cluster.deployments.len(),
        bytes: w.bytes,
    })
}

// ---------------------------------------------------------------------------------------------
// Randomness

/// SplitMix64: tiny, fast and good enough to spread test data.
#[derive(Clone, Debug)]
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x5DEE_CE66_D1CE_4E5B)
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`).
    fn below(&mut self, n: usize) -> usize {
        (((self.next_u64() >> 32) * n as u64) >> 32) as usize
    }

    /// True with probability `percent / 100`.
    fn percent(&mut self, percent: u32) -> bool {
        self.below(100) < percent as usize
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }

    /// Picks by weight.
    fn weighted<T: Copy>(&mut self, items: &[(T, u32)]) -> T {
        let total: u32 = items.iter().map(|(_, w)| w).sum();
        let mut r = self.below(total as usize) as u32;
        for (item, w) in items {
            if r < *w {
                return *item;
            }
            r -= w;
        }
        items[items.len() - 1].0
    }

    fn uuid(&mut self) -> String {
        let a = self.next_u64();
        let b = self.next_u64();
        format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xfff,
            0x8000 | ((b >> 48) & 0x3fff),
            b & 0xffff_ffff_ffff
        )
    }

    fn hex(&mut self, digits: usize) -> String {
        let mut s = format!("{:016x}{:016x}", self.next_u64(), self.next_u64());
        s.truncate(digits);
        s
    }
}

/// A bijection on u32 (murmur3's finalizer): unique, random-looking names from indexes.
fn mix32(mut h: u32) -> u32 {
    h ^= h >> 16;
    h = h.wrapping_mul(0x85eb_ca6b);
    h ^= h >> 13;
    h = h.wrapping_mul(0xc2b2_ae35);
    h ^ (h >> 16)
}

/// RFC 3339 UTC for Unix seconds, as the API server writes timestamps.
fn timestamp(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

/// 2023-01-01T00:00:00Z; objects are created over the two years after it.
const EPOCH: i64 = 1_672_531_200;
const SPAN: usize = 2 * 365 * 86_400;

// ---------------------------------------------------------------------------------------------
// The cluster as data

const CLASSES: usize = 5;
const RWO: &str = "ReadWriteOnce";
const ROX: &str = "ReadOnlyMany";
const RWX: &str = "ReadWriteMany";
const RWOP: &str = "ReadWriteOncePod";
const EBS: &str = "ebs.csi.aws.com";
const EFS: &str = "efs.csi.aws.com";
const NO_PROVISIONER: &str = "kubernetes.io/no-provisioner";
const HOSTNAME: &str = "kubernetes.io/hostname";
const ZONE: &str = "topology.kubernetes.io/zone";
const ZONES: [&str; 3] = ["eu-west-1a", "eu-west-1b", "eu-west-1c"];

/// Static volume sizes (label, GiB) and how common they are.
const STATIC_SIZES: &[((&str, u64), u32)] = &[
    (("1Gi", 1), 10),
    (("2Gi", 2), 10),
    (("5Gi", 5), 14),
    (("8Gi", 8), 6),
    (("10Gi", 10), 16),
    (("20Gi", 20), 10),
    (("50Gi", 50), 10),
    (("100Gi", 100), 10),
    (("200Gi", 200), 6),
    (("500Gi", 500), 5),
    (("1Ti", 1024), 3),
];
/// Requests between the static sizes: the smallest fitting volume is a size up.
const ODD_REQUESTS: &[(&str, u64)] = &[
    ("500Mi", 1),
    ("1500Mi", 2),
    ("3Gi", 3),
    ("4Gi", 4),
    ("7Gi", 7),
    ("10G", 10),
    ("15Gi", 15),
    ("25Gi", 25),
    ("30Gi", 30),
    ("64Gi", 64),
    ("80Gi", 80),
    ("128Gi", 128),
    ("250Gi", 250),
    ("300Gi", 300),
    ("750Gi", 750),
];
const DYNAMIC_SIZES: &[(&str, u32)] = &[
    ("1Gi", 10),
    ("4Gi", 8),
    ("8Gi", 12),
    ("10Gi", 20),
    ("20Gi", 14),
    ("30Gi", 6),
    ("50Gi", 10),
    ("100Gi", 10),
    ("200Gi", 5),
    ("500Gi", 4),
    ("1Ti", 1),
];
/// Local NVMe disks as the local static provisioner reports them.
const LOCAL_SIZES: &[((&str, u64), u32)] = &[
    (("100Gi", 100), 30),
    (("200Gi", 200), 30),
    (("368Gi", 368), 30),
    (("737Gi", 737), 10),
];
const LOCAL_REQUESTS: &[((&str, u64), u32)] = &[
    (("50Gi", 50), 30),
    (("100Gi", 100), 30),
    (("200Gi", 200), 25),
    (("350Gi", 350), 12),
    (("700Gi", 700), 3),
];
const STATIC_MODES: &[(&[&str], u32)] = &[
    (&[RWO], 55),
    (&[RWO, ROX], 12),
    (&[RWX], 12),
    (&[RWX, ROX], 6),
    (&[ROX], 5),
    (&[RWOP], 5),
    (&[RWO, RWX], 5),
];
const CLAIM_MODES: &[(&[&str], u32)] = &[
    (&[RWO], 72),
    (&[RWX], 12),
    (&[ROX], 6),
    (&[RWOP], 5),
    (&[RWO, ROX], 5),
];
const TIERS: &[&str] = &["gold", "silver", "bronze"];
const APPS: &[&str] = &[
    "postgres",
    "mysql",
    "redis",
    "kafka",
    "zookeeper",
    "elasticsearch",
    "mongodb",
    "minio",
    "prometheus",
    "loki",
    "grafana",
    "rabbitmq",
    "cassandra",
    "etcd",
    "nexus",
    "gitlab",
    "jenkins",
    "sonarqube",
    "clickhouse",
    "airflow",
    "spark",
    "jupyter",
    "uploads",
    "media",
    "reports",
];
const TEAMS: &[&str] = &[
    "payments",
    "orders",
    "checkout",
    "search",
    "analytics",
    "ml-training",
    "monitoring",
    "logging",
    "streaming",
    "identity",
    "inventory",
    "catalog",
    "shipping",
    "notifications",
    "recommendations",
    "data-lake",
    "etl",
    "warehouse",
    "backup",
    "ci",
];
const ENVS: &[&str] = &["prod", "staging", "dev"];

#[derive(Clone, Debug)]
enum Source {
    Nfs {
        server: String,
        path: String,
    },
    Csi {
        driver: &'static str,
        handle: String,
    },
    Iscsi {
        iqn: String,
        lun: usize,
    },
    Local {
        path: String,
    },
}

#[derive(Clone, Debug)]
enum Affinity {
    Host(String),
    Zone(&'static str, &'static str),
}

#[derive(Clone, Debug)]
struct ClaimRef {
    namespace: String,
    name: String,
    uid: Option<String>,
}

#[derive(Clone, Debug)]
struct Pv {
    name: String,
    class: &'static str,
    size: &'static str,
    modes: &'static [&'static str],
    block: bool,
    labels: Vec<(&'static str, &'static str)>,
    claim_ref: Option<ClaimRef>,
    phase: &'static str,
    reclaim: &'static str,
    provisioned_by: Option<String>,
    bound_by_controller: bool,
    source: Source,
    affinity: Option<Affinity>,
    created: i64,
    deleting: bool,
}

#[derive(Clone, Debug)]
enum Selector {
    Labels(&'static str),
    In(&'static [&'static str]),
}

#[derive(Clone, Debug, Default)]
struct Pvc {
    namespace: String,
    name: String,
    uid: String,
    created: i64,
    /// `None`: no storageClassName at all (the default class applies).
    class: Option<&'static str>,
    modes: &'static [&'static str],
    size: &'static str,
    block: bool,
    selector: Option<Selector>,
    volume_name: Option<String>,
    /// Bound: bind-completed, status Bound with this capacity.
    bound_capacity: Option<&'static str>,
    provisioner: Option<&'static str>,
    selected_node: Option<String>,
    attributes_class: Option<&'static str>,
}

#[derive(Clone, Debug)]
struct Pod {
    namespace: String,
    name: String,
    uid: String,
    created: i64,
    claims: Vec<String>,
    host: Option<String>,
    node_name: Option<String>,
    phase: &'static str,
}

#[derive(Clone, Debug)]
struct StatefulSet {
    namespace: String,
    name: String,
    uid: String,
    created: i64,
    replicas: usize,
    placement: Affinity,
    request: &'static str,
    logs: bool,
}

#[derive(Clone, Debug)]
struct Deployment {
    namespace: String,
    name: String,
    uid: String,
    created: i64,
    replicas: usize,
    claim: String,
}

struct Node {
    name: String,
    zone: usize,
    tainted: bool,
    cordoned: bool,
    id: String,
}

struct Cluster {
    nodes: Vec<Node>,
    pvs: Vec<Pv>,
    pvcs: Vec<Pvc>,
    pods: Vec<Pod>,
    statefulsets: Vec<StatefulSet>,
    deployments: Vec<Deployment>,
    resource_version: u64,
}

/// Takes up to `n` from a budget.
fn take(budget: &mut usize, n: usize) -> usize {
    let n = n.min(*budget);
    *budget -= n;
    n
}

impl Cluster {
    fn plan(o: &Options) -> Cluster {
        let mut rng = Rng::new(o.seed);
        let (p, c) = (o.pvs, o.claims);
        let node_count = (p / 100).clamp(3, 1000);
        let nodes: Vec<Node> = (0..node_count)
            .map(|i| {
                let h = mix32(i as u32 ^ o.seed as u32);
                Node {
                    // (third, fourth) octets are unique per index; the rest looks random.
                    name: format!(
                        "ip-10-{}-{}-{}.eu-west-1.compute.internal",
                        i % 3 * 32 + (h as usize >> 8) % 32,
                        i / 254 * 50 + (h as usize >> 16) % 50,
                        i % 254 + 1
                    ),
                    zone: i % 3,
                    // A few dedicated (tainted) and cordoned nodes: pods pinned there stay
                    // Pending.
                    tainted: i % 50 == 7,
                    cordoned: i % 100 == 13,
                    id: format!("i-0{}", rng.hex(16)),
                }
            })
            .collect();
        let namespaces: Vec<String> = TEAMS
            .iter()
            .flat_map(|t| ENVS.iter().map(move |e| format!("{t}-{e}")))
            .collect();
        let mut cluster = Cluster {
            nodes,
            pvs: Vec::with_capacity(p),
            pvcs: Vec::with_capacity(c),
            pods: Vec::new(),
            statefulsets: Vec::new(),
            deployments: Vec::new(),
            resource_version: 1000,
        };
        let time = |rng: &mut Rng| EPOCH + rng.below(SPAN) as i64;
        // Static volume names are numbered in creation order.
        let mut serial = 0usize;
        let mut next = || {
            serial += 1;
            serial
        };
        let ns = |rng: &mut Rng| namespaces[rng.below(namespaces.len())].clone();

        // Budgets: every category takes its share of the PVs and claims; static volumes and
        // unbound static claims take the rest, so the totals are exact.
        let (mut pb, mut cb) = (p, c);
        let pairs = take(&mut pb, (p * 30 / 100).min(c * 30 / 100));
        take(&mut cb, pairs);
        let released = take(&mut pb, p * 3 / 100);
        let prebound = take(&mut pb, p * 2 / 100);
        let prebound_claims = take(&mut cb, (prebound / 2).min(c / 100));
        let in_progress = take(&mut pb, (p / 1000).min(c / 1000));
        take(&mut cb, in_progress);
        let stale = take(&mut pb, if pairs > 0 { p / 1000 } else { 0 });
        let local = take(&mut pb, p * 15 / 100);
        let static_pvs = pb;
        let lost = take(&mut cb, c / 1000);
        let by_name = take(&mut cb, c / 100);
        let local_pods = take(&mut cb, c * 4 / 100);
        let local_waiting = take(&mut cb, c / 200);
        let standard = take(&mut cb, c * 4 / 100);
        let gp3_waiting = take(&mut cb, c * 3 / 100);
        let gp3_deployed = take(&mut cb, c * 4 / 100);
        let no_class = take(&mut cb, c * 2 / 100);
        let efs = take(&mut cb, c / 100);
        let nothing_fits = take(&mut cb, c * 3 / 100);
        let static_claims = cb;

        // Already bound: a volume and its claim, uids on both sides.
        for i in 0..pairs {
            let namespace = ns(&mut rng);
            let app = rng.pick(APPS);
            let uid = rng.uuid();
            let claim_created = time(&mut rng);
            let kind = rng.weighted(&[(0u8, 60), (1, 15), (2, 20), (3, 5)]);
            let claim_name = format!("{app}-data-{i}");
            let claim_ref = Some(ClaimRef {
                namespace: namespace.clone(),
                name: claim_name.clone(),
                uid: Some(uid.clone()),
            });
            let (pv, claim) = match kind {
                // Dynamically provisioned by EBS: gp3 (WaitForFirstConsumer) or standard.
                0 | 1 => {
                    let class = if kind == 0 { "gp3" } else { "standard" };
                    let size = rng.weighted(DYNAMIC_SIZES);
                    let zone = rng.below(3);
                    let pv_name = format!("pvc-{uid}");
                    let pv = Pv {
                        name: pv_name.clone(),
                        class,
                        size,
                        modes: &[RWO],
                        block: false,
                        labels: Vec::new(),
                        claim_ref,
                        phase: "Bound",
                        reclaim: "Delete",
                        provisioned_by: Some(EBS.to_owned()),
                        bound_by_controller: false,
                        source: Source::Csi {
                            driver: EBS,
                            handle: format!("vol-0{}", rng.hex(16)),
                        },
                        affinity: Some(Affinity::Zone(
                            "topology.ebs.csi.aws.com/zone",
                            ZONES[zone],
                        )),
                        created: claim_created + 3,
                        deleting: false,
                    };
                    let selected_node = (kind == 0).then(|| {
                        let n = rng.below(cluster.nodes.len() / 3) * 3 + zone;
                        cluster.nodes[n.min(cluster.nodes.len() - 1)].name.clone()
                    });
                    let claim = Pvc {
                        namespace,
                        name: claim_name,
                        uid,
                        created: claim_created,
                        class: Some(class),
                        modes: &[RWO],
                        size,
                        volume_name: Some(pv_name),
                        bound_capacity: Some(size),
                        provisioner: Some(EBS),
                        selected_node,
                        ..Pvc::default()
                    };
                    (pv, claim)
                }
                // A static volume the controller bound.
                2 => {
                    let mut pv = cluster.static_pv(&mut rng, next(), "manual");
                    pv.claim_ref = claim_ref;
                    pv.phase = "Bound";
                    pv.bound_by_controller = true;
                    pv.created = claim_created - rng.below(86_400 * 30) as i64;
                    let claim = Pvc {
                        namespace,
                        name: claim_name,
                        uid,
                        created: claim_created,
                        class: Some("manual"),
                        modes: &pv.modes[..1],
                        size: pv.size,
                        block: pv.block,
                        volume_name: Some(pv.name.clone()),
                        bound_capacity: Some(pv.size),
                        ..Pvc::default()
                    };
                    (pv, claim)
                }
                // A local volume bound to its claim.
                _ => {
                    let host = rng.below(cluster.nodes.len());
                    let mut pv = cluster.local_pv(&mut rng, i, host);
                    pv.claim_ref = claim_ref;
                    pv.phase = "Bound";
                    pv.bound_by_controller = true;
                    pv.created = claim_created - rng.below(86_400 * 30) as i64;
                    let claim = Pvc {
                        namespace,
                        name: claim_name,
                        uid,
                        created: claim_created,
                        class: Some("local"),
                        modes: &[RWO],
                        size: pv.size,
                        volume_name: Some(pv.name.clone()),
                        bound_capacity: Some(pv.size),
                        selected_node: Some(cluster.nodes[host].name.clone()),
                        ..Pvc::default()
                    };
                    (pv, claim)
                }
            };
            cluster.pvs.push(pv);
            cluster.pvcs.push(claim);
        }

        // Released: the claim is gone. Retain keeps it Released, Delete on a hand-made volume
        // turns Failed, a provisioned one is deleted, Recycle on NFS makes it Available again.
        for i in 0..released {
            let kind = rng.weighted(&[(0u8, 40), (1, 30), (2, 20), (3, 10)]);
            let claim_ref = Some(ClaimRef {
                namespace: ns(&mut rng),
                name: format!("{}-old-{i}", rng.pick(APPS)),
                uid: Some(rng.uuid()),
            });
            let mut pv = if kind == 0 {
                let size = rng.weighted(DYNAMIC_SIZES);
                let uid = rng.uuid();
                Pv {
                    name: format!("pvc-{uid}"),
                    class: "gp3",
                    size,
                    modes: &[RWO],
                    block: false,
                    labels: Vec::new(),
                    claim_ref: None,
                    phase: "Released",
                    reclaim: "Delete",
                    provisioned_by: Some(EBS.to_owned()),
                    bound_by_controller: false,
                    source: Source::Csi {
                        driver: EBS,
                        handle: format!("vol-0{}", rng.hex(16)),
                    },
                    affinity: Some(Affinity::Zone(
                        "topology.ebs.csi.aws.com/zone",
                        ZONES[rng.below(3)],
                    )),
                    created: time(&mut rng),
                    deleting: false,
                }
            } else {
                let mut pv = cluster.static_pv(&mut rng, next(), "manual");
                match kind {
                    1 => pv.reclaim = "Retain",
                    2 => pv.reclaim = "Delete",
                    _ => {
                        pv.reclaim = "Recycle";
                        pv.source = Source::Nfs {
                            server: format!("nfs-{}.storage.internal", rng.below(8)),
                            path: format!("/exports/{}", pv.name),
                        };
                    }
                }
                pv.phase = if kind == 2 { "Failed" } else { "Released" };
                pv
            };
            pv.claim_ref = claim_ref;
            pv.bound_by_controller = true;
            cluster.pvs.push(pv);
        }

        // Pre-bound by claimRef without uid: half for claims that exist, half reserved for
        // claims still to come.
        for i in 0..prebound {
            let mut pv = cluster.static_pv(&mut rng, next(), "manual");
            let namespace = ns(&mut rng);
            let name = format!("{}-reserved-{i}", rng.pick(APPS));
            pv.claim_ref = Some(ClaimRef {
                namespace: namespace.clone(),
                name: name.clone(),
                uid: None,
            });
            if i < prebound_claims {
                cluster.pvcs.push(Pvc {
                    namespace,
                    name,
                    uid: rng.uuid(),
                    created: time(&mut rng),
                    class: Some("manual"),
                    modes: &pv.modes[..1],
                    size: pv.size,
                    block: pv.block,
                    ..Pvc::default()
                });
            }
            cluster.pvs.push(pv);
        }

        // Binding in progress: the volume points at its claim by uid, the claim does not name the
        // volume yet.
        for i in 0..in_progress {
            let mut pv = cluster.static_pv(&mut rng, next(), "manual");
            let claim = Pvc {
                namespace: ns(&mut rng),
                name: format!("{}-binding-{i}", rng.pick(APPS)),
                uid: rng.uuid(),
                created: time(&mut rng),
                class: Some("manual"),
                modes: &pv.modes[..1],
                size: pv.size,
                block: pv.block,
                ..Pvc::default()
            };
            pv.claim_ref = Some(ClaimRef {
                namespace: claim.namespace.clone(),
                name: claim.name.clone(),
                uid: Some(claim.uid.clone()),
            });
            pv.phase = "Bound";
            pv.bound_by_controller = true;
            cluster.pvcs.push(claim);
            cluster.pvs.push(pv);
        }

        // Stale: bound by uid to a claim that is bound to another volume.
        for i in 0..stale {
            let mut pv = cluster.static_pv(&mut rng, next(), "manual");
            let claim = &cluster.pvcs[rng.below(pairs)];
            pv.claim_ref = Some(ClaimRef {
                namespace: claim.namespace.clone(),
                name: claim.name.clone(),
                uid: Some(claim.uid.clone()),
            });
            pv.bound_by_controller = i % 2 == 0;
            cluster.pvs.push(pv);
        }

        // Local volumes, spread over the nodes.
        for i in 0..local {
            let host = (i + rng.below(3)) % cluster.nodes.len();
            let pv = cluster.local_pv(&mut rng, pairs + i, host);
            cluster.pvs.push(pv);
        }
        // Every node gets local volumes (when there are enough); Pods and StatefulSets pinned
        // to tainted or cordoned nodes stay Pending.
        let local_hosts: Vec<usize> = (0..cluster.nodes.len()).collect();

        // Static volumes, free for claims to find.
        let first_static = cluster.pvs.len();
        for _ in 0..static_pvs {
            let class = if rng.percent(8) { "" } else { "manual" };
            let pv = cluster.static_pv(&mut rng, next(), class);
            cluster.pvs.push(pv);
        }
        let static_range = first_static..cluster.pvs.len();

        // Claims bound to volumes that no longer exist.
        for i in 0..lost {
            cluster.pvcs.push(Pvc {
                namespace: ns(&mut rng),
                name: format!("{}-lost-{i}", rng.pick(APPS)),
                uid: rng.uuid(),
                created: time(&mut rng),
                class: Some("gp3"),
                modes: &[RWO],
                size: "10Gi",
                volume_name: Some(format!("pvc-{}", rng.uuid())),
                bound_capacity: Some("10Gi"),
                provisioner: Some(EBS),
                ..Pvc::default()
            });
        }

        // Claims naming their volume: mostly a free static volume that fits, some one too small,
        // one that does not exist, or one bound to another claim.
        for i in 0..by_name {
            let mut claim = Pvc {
                namespace: ns(&mut rng),
                name: format!("{}-named-{i}", rng.pick(APPS)),
                uid: rng.uuid(),
                created: time(&mut rng),
                class: Some("manual"),
                modes: &[RWO],
                size: "1Gi",
                ..Pvc::default()
            };
            let which = rng.weighted(&[(0u8, 70), (1, 15), (2, 10), (3, 5)]);
            if which == 2 || static_range.is_empty() || pairs == 0 {
                claim.volume_name = Some(format!("pv-missing-{i:05}"));
            } else if which == 3 {
                claim.volume_name = Some(cluster.pvs[rng.below(pairs)].name.clone());
            } else {
                let v = static_range.start + rng.below(static_range.len());
                let pv = &cluster.pvs[v];
                claim.class = Some(pv.class);
                claim.modes = &pv.modes[..1];
                claim.block = pv.block;
                claim.size = if which == 0 { pv.size } else { "2Ti" };
                claim.volume_name = Some(pv.name.clone());
            }
            cluster.pvcs.push(claim);
        }

        // Local claims used by Pods pinned to a node by hostname.
        for i in 0..local_pods {
            let namespace = ns(&mut rng);
            let app = rng.pick(APPS);
            let name = format!("{app}-local-{i}");
            let (size, _) = rng.weighted(LOCAL_REQUESTS);
            cluster.pvcs.push(Pvc {
                namespace: namespace.clone(),
                name: name.clone(),
                uid: rng.uuid(),
                created: time(&mut rng),
                class: Some("local"),
                modes: &[RWO],
                size,
                ..Pvc::default()
            });
            let host = cluster.nodes[local_hosts[rng.below(local_hosts.len())]]
                .name
                .clone();
            let created = time(&mut rng);
            let (phase, node_name) = match i % 50 {
                // Bypasses the scheduler.
                17 => ("Pending", Some(host.clone())),
                // Has finished: no longer a consumer.
                29 => ("Succeeded", None),
                _ => ("Pending", None),
            };
            cluster.pods.push(Pod {
                namespace,
                name: format!("{app}-worker-{i}-{}", rng.hex(5)),
                uid: rng.uuid(),
                created,
                claims: vec![name],
                host: Some(host),
                node_name,
                phase,
            });
        }

        // Local claims nothing uses yet.
        for i in 0..local_waiting {
            cluster.pvcs.push(Pvc {
                namespace: ns(&mut rng),
                name: format!("{}-scratch-{i}", rng.pick(APPS)),
                uid: rng.uuid(),
                created: time(&mut rng),
                class: Some("local"),
                modes: &[RWO],
                size: rng.weighted(LOCAL_REQUESTS).0,
                ..Pvc::default()
            });
        }

        // Dynamic claims.
        let dynamic: [(usize, Option<&'static str>, &str); 5] = [
            (standard, Some("standard"), "cache"),
            (gp3_waiting, Some("gp3"), "db"),
            (gp3_deployed, Some("gp3"), "state"),
            (no_class, None, "storage"),
            (efs, Some("efs-sc"), "shared"),
        ];
        for (kind, (count, class, role)) in dynamic.into_iter().enumerate() {
            for i in 0..count {
                let namespace = ns(&mut rng);
                let app = rng.pick(APPS);
                let name = format!("{app}-{role}-{i}");
                let modes: &'static [&'static str] = if kind == 4 { &[RWX] } else { &[RWO] };
                cluster.pvcs.push(Pvc {
                    namespace: namespace.clone(),
                    name: name.clone(),
                    uid: rng.uuid(),
                    created: time(&mut rng),
                    class,
                    modes,
                    size: if kind == 3 {
                        rng.weighted(STATIC_SIZES).0
                    } else {
                        rng.weighted(DYNAMIC_SIZES)
                    },
                    provisioner: match class {
                        Some("efs-sc") => Some(EFS),
                        Some(_) => Some(EBS),
                        None => None,
                    },
                    ..Pvc::default()
                });
                if kind == 2 {
                    cluster.deployments.push(Deployment {
                        namespace,
                        name: format!("{app}-{i}"),
                        uid: rng.uuid(),
                        created: time(&mut rng),
                        replicas: if i % 40 == 3 { 0 } else { 1 },
                        claim: name,
                    });
                }
            }
        }

        // Claims nothing fits: too large for any static volume, Block with RWX, a selector no
        // volume matches, an attributes class no volume has, or a class not among the inputs.
        for i in 0..nothing_fits {
            let which = i % 10;
            let mut claim = Pvc {
                namespace: ns(&mut rng),
                name: format!("{}-unfit-{i}", rng.pick(APPS)),
                uid: rng.uuid(),
                created: time(&mut rng),
                class: Some("manual"),
                modes: &[RWO],
                size: "2Ti",
                ..Pvc::default()
            };
            match which {
                0..=3 => claim.size = rng.pick(&["2Ti", "4Ti", "1500Gi"]),
                4 | 5 => {
                    claim.modes = &[RWX];
                    claim.block = true;
                    claim.size = "10Gi";
                }
                6 => {
                    claim.selector = Some(Selector::Labels("platinum"));
                    claim.size = rng.weighted(STATIC_SIZES).0;
                }
                7 => {
                    claim.attributes_class = Some("high-iops");
                    claim.size = "10Gi";
                }
                8 => {
                    claim.class = Some("");
                    claim.size = "5Ti";
                }
                _ => {
                    claim.class = Some("fast-ssd");
                    claim.size = "100Gi";
                    claim.provisioner = None;
                }
            }
            // A few Pods use a local claim and one of these: they cannot start.
            if i % 20 == 1 && !cluster.pods.is_empty() {
                let n = cluster.pods.len();
                let pod = &mut cluster.pods[i / 20 * 7 % n];
                claim.namespace = pod.namespace.clone();
                pod.claims.push(claim.name.clone());
            }
            cluster.pvcs.push(claim);
        }

        // Claims competing for the static volumes: sizes on and between the volume sizes, some
        // with selectors on the volumes' tier label.
        for i in 0..static_claims {
            let class = if rng.percent(10) { "" } else { "manual" };
            let size = if rng.percent(60) {
                rng.weighted(STATIC_SIZES).0
            } else {
                rng.pick(ODD_REQUESTS).0
            };
            let selector = match rng.below(100) {
                0..=2 => Some(Selector::Labels(rng.pick(TIERS))),
                3..=5 => Some(Selector::In(&["gold", "silver"])),
                _ => None,
            };
            cluster.pvcs.push(Pvc {
                namespace: ns(&mut rng),
                name: format!("{}-vol-{i}", rng.pick(APPS)),
                uid: rng.uuid(),
                created: time(&mut rng),
                class: Some(class),
                modes: rng.weighted(CLAIM_MODES),
                size,
                block: rng.percent(3),
                selector,
                ..Pvc::default()
            });
        }

        // StatefulSets with local volumes (and on every third a gp3 log volume): pinned to a
        // host, or only to a zone so the scheduler walks the nodes. Their claims are not in the
        // dump: the loader makes them from the templates.
        let statefulsets = if c >= 60 { (c / 600).max(1) } else { 0 };
        for i in 0..statefulsets {
            let app = rng.pick(APPS);
            let placement = if i % 2 == 0 {
                let host = local_hosts[rng.below(local_hosts.len())];
                Affinity::Host(cluster.nodes[host].name.clone())
            } else {
                Affinity::Zone(ZONE, ZONES[rng.below(3)])
            };
            cluster.statefulsets.push(StatefulSet {
                namespace: ns(&mut rng),
                name: format!("{app}-{i}"),
                uid: rng.uuid(),
                created: time(&mut rng),
                replicas: if i % 20 == 11 { 0 } else { 3 },
                placement,
                request: rng.pick(&["50Gi", "100Gi", "200Gi"]),
                logs: i % 3 == 0,
            });
        }
        debug_assert_eq!(cluster.pvs.len(), p);
        debug_assert_eq!(cluster.pvcs.len(), c);
        cluster
    }

    /// A hand-made volume of class `class` ("" for none).
    fn static_pv(&self, rng: &mut Rng, i: usize, class: &'static str) -> Pv {
        let (size, gib) = rng.weighted(STATIC_SIZES);
        let modes = rng.weighted(STATIC_MODES);
        let shared = modes.contains(&RWX) || modes.contains(&ROX);
        let block = !shared && rng.percent(3);
        let labels = if rng.percent(25) {
            vec![
                ("tier", rng.pick(TIERS)),
                ("type", if gib >= 200 { "hdd" } else { "ssd" }),
            ]
        } else {
            Vec::new()
        };
        let (prefix, source) = if shared {
            (
                "nfs",
                Source::Nfs {
                    server: format!("nfs-{}.storage.internal", rng.below(8)),
                    path: format!("/exports/vol{i:06}"),
                },
            )
        } else if rng.percent(30) {
            (
                "iscsi",
                Source::Iscsi {
                    iqn: format!("iqn.2023-01.internal.storage:target-{}", rng.below(16)),
                    lun: rng.below(256),
                },
            )
        } else {
            (
                "ebs",
                Source::Csi {
                    driver: EBS,
                    handle: format!("vol-0{}", rng.hex(16)),
                },
            )
        };
        let affinity = match source {
            Source::Csi { .. } => Some(Affinity::Zone(
                "topology.ebs.csi.aws.com/zone",
                ZONES[rng.below(3)],
            )),
            _ => None,
        };
        Pv {
            name: format!("pv-{prefix}-{i:06}"),
            class,
            size,
            modes,
            block,
            labels,
            claim_ref: None,
            phase: "Available",
            reclaim: rng.weighted(&[("Retain", 85), ("Delete", 10), ("Recycle", 5)]),
            provisioned_by: None,
            bound_by_controller: false,
            source,
            affinity,
            created: EPOCH + rng.below(SPAN) as i64,
            deleting: rng.below(500) == 0,
        }
    }

    /// A volume of the local static provisioner on node `host`.
    fn local_pv(&self, rng: &mut Rng, i: usize, host: usize) -> Pv {
        let (size, _) = rng.weighted(LOCAL_SIZES);
        let node = &self.nodes[host];
        Pv {
            name: format!("local-pv-{:08x}", mix32(i as u32)),
            class: "local",
            size,
            modes: &[RWO],
            block: rng.percent(5),
            labels: Vec::new(),
            claim_ref: None,
            phase: "Available",
            reclaim: "Delete",
            provisioned_by: Some(format!(
                "local-volume-provisioner-{}-{}",
                node.name, node.id
            )),
            bound_by_controller: false,
            source: Source::Local {
                path: format!("/mnt/disks/nvme{}n1", i % 4 + 1),
            },
            affinity: Some(Affinity::Host(node.name.clone())),
            created: EPOCH + rng.below(SPAN) as i64,
            deleting: false,
        }
    }

    fn meta(
        &self,
        name: &str,
        namespace: Option<&str>,
        uid: &str,
        created: i64,
        rv: u64,
    ) -> Vec<(Key, V)> {
        let mut m = vec![
            (k("name"), s(name)),
            (k("uid"), s(uid)),
            (k("resourceVersion"), s(rv.to_string())),
            (k("creationTimestamp"), s(timestamp(created))),
        ];
        if let Some(ns) = namespace {
            m.push((k("namespace"), s(ns)));
        }
        m
    }

    fn next_rv(&self, salt: usize) -> u64 {
        self.resource_version + mix32(salt as u32) as u64 % 90_000_000
    }

    fn pv_object(&self, pv: &Pv) -> V {
        let uid = uid_from(&pv.name);
        let mut meta = self.meta(
            &pv.name,
            None,
            &uid,
            pv.created,
            self.next_rv(pv.created as usize),
        );
        let mut annotations = Vec::new();
        if let Some(p) = &pv.provisioned_by {
            annotations.push((k("pv.kubernetes.io/provisioned-by"), s(p.clone())));
            if p == EBS {
                annotations.push((
                    k("volume.kubernetes.io/provisioner-deletion-secret-name"),
                    s(""),
                ));
                annotations.push((
                    k("volume.kubernetes.io/provisioner-deletion-secret-namespace"),
                    s(""),
                ));
            }
        }
        if pv.bound_by_controller {
            annotations.push((k("pv.kubernetes.io/bound-by-controller"), s("yes")));
        }
        if !annotations.is_empty() {
            meta.push((k("annotations"), V::M(annotations)));
        }
        if !pv.labels.is_empty() {
            meta.push((
                k("labels"),
                V::M(pv.labels.iter().map(|(a, b)| (k(a), s(*b))).collect()),
            ));
        }
        let mut finalizers = vec![s("kubernetes.io/pv-protection")];
        if matches!(pv.source, Source::Csi { .. }) && pv.phase == "Bound" {
            finalizers.push(s("external-attacher/ebs-csi-aws-com"));
        }
        meta.push((k("finalizers"), V::L(finalizers)));
        if pv.deleting {
            meta.push((k("deletionTimestamp"), s(timestamp(pv.created + 86_400))));
            meta.push((k("deletionGracePeriodSeconds"), V::I(0)));
        }
        let mut spec = vec![
            (k("accessModes"), strs(pv.modes)),
            (k("capacity"), map(vec![("storage", s(pv.size))])),
            (k("persistentVolumeReclaimPolicy"), s(pv.reclaim)),
            (k("storageClassName"), s(pv.class)),
            (
                k("volumeMode"),
                s(if pv.block { "Block" } else { "Filesystem" }),
            ),
        ];
        if let Some(r) = &pv.claim_ref {
            let mut cr = vec![
                (k("apiVersion"), s("v1")),
                (k("kind"), s("PersistentVolumeClaim")),
                (k("name"), s(r.name.as_str())),
                (k("namespace"), s(r.namespace.as_str())),
            ];
            if let Some(uid) = &r.uid {
                cr.push((k("uid"), s(uid.as_str())));
                cr.push((
                    k("resourceVersion"),
                    s(self.next_rv(pv.created as usize + 7).to_string()),
                ));
            }
            spec.push((k("claimRef"), V::M(cr)));
        }
        match &pv.source {
            Source::Nfs { server, path } => {
                spec.push((
                    k("nfs"),
                    map(vec![
                        ("path", s(path.as_str())),
                        ("server", s(server.as_str())),
                    ]),
                ));
                spec.push((k("mountOptions"), strs(&["nfsvers=4.1", "hard"])));
            }
            Source::Csi { driver, handle } => {
                let mut csi = vec![("driver", s(*driver)), ("volumeHandle", s(handle.as_str()))];
                if !pv.block {
                    csi.push(("fsType", s("ext4")));
                }
                if pv.provisioned_by.is_some() {
                    csi.push((
                        "volumeAttributes",
                        map(vec![(
                            "storage.kubernetes.io/csiProvisionerIdentity",
                            s("1700000000000-8081-ebs.csi.aws.com"),
                        )]),
                    ));
                }
                spec.push((k("csi"), map(csi)));
            }
            Source::Iscsi { iqn, lun } => spec.push((
                k("iscsi"),
                map(vec![
                    ("iqn", s(iqn.as_str())),
                    ("lun", V::I(*lun as i64)),
                    ("targetPortal", s("10.0.200.10:3260")),
                    ("fsType", s("xfs")),
                    ("readOnly", V::B(false)),
                ]),
            )),
            Source::Local { path } => {
                spec.push((k("local"), map(vec![("path", s(path.as_str()))])))
            }
        }
        if let Some(affinity) = &pv.affinity {
            spec.push((k("nodeAffinity"), node_affinity(affinity)));
        }
        let mut status = vec![(k("phase"), s(pv.phase))];
        if pv.phase == "Failed" {
            status.push((
                k("message"),
                s(format!(
                    "error getting deleter volume plugin for volume \"{}\": no deletable volume plugin matched",
                    pv.name
                )),
            ));
        }
        status.push((k("lastPhaseTransitionTime"), s(timestamp(pv.created + 60))));
        object("v1", "PersistentVolume", meta, spec, status)
    }

    fn pvc_object(&self, c: &Pvc) -> V {
        let mut meta = self.meta(
            &c.name,
            Some(&c.namespace),
            &c.uid,
            c.created,
            self.next_rv(c.created as usize),
        );
        let mut annotations = Vec::new();
        if c.bound_capacity.is_some() {
            annotations.push((k("pv.kubernetes.io/bind-completed"), s("yes")));
            annotations.push((k("pv.kubernetes.io/bound-by-controller"), s("yes")));
        }
        if let Some(p) = c.provisioner {
            annotations.push((k("volume.beta.kubernetes.io/storage-provisioner"), s(p)));
            annotations.push((k("volume.kubernetes.io/storage-provisioner"), s(p)));
        }
        if let Some(node) = &c.selected_node {
            annotations.push((k("volume.kubernetes.io/selected-node"), s(node.as_str())));
        }
        if !annotations.is_empty() {
            meta.push((k("annotations"), V::M(annotations)));
        }
        meta.push((
            k("labels"),
            map(vec![(
                "app.kubernetes.io/name",
                s(c.name.split('-').next().unwrap_or("app")),
            )]),
        ));
        meta.push((k("finalizers"), strs(&["kubernetes.io/pvc-protection"])));
        let mut spec = vec![
            (k("accessModes"), strs(c.modes)),
            (
                k("resources"),
                map(vec![("requests", map(vec![("storage", s(c.size))]))]),
            ),
            (
                k("volumeMode"),
                s(if c.block { "Block" } else { "Filesystem" }),
            ),
        ];
        if let Some(class) = c.class {
            spec.push((k("storageClassName"), s(class)));
        }
        if let Some(name) = &c.volume_name {
            spec.push((k("volumeName"), s(name.as_str())));
        }
        if let Some(a) = c.attributes_class {
            spec.push((k("volumeAttributesClassName"), s(a)));
        }
        match &c.selector {
            Some(Selector::Labels(tier)) => spec.push((
                k("selector"),
                map(vec![("matchLabels", map(vec![("tier", s(*tier))]))]),
            )),
            Some(Selector::In(values)) => spec.push((
                k("selector"),
                map(vec![(
                    "matchExpressions",
                    V::L(vec![map(vec![
                        ("key", s("tier")),
                        ("operator", s("In")),
                        ("values", strs(values)),
                    ])]),
                )]),
            )),
            None => {}
        }
        let status = match c.bound_capacity {
            Some(capacity) => vec![
                (k("accessModes"), strs(c.modes)),
                (k("capacity"), map(vec![("storage", s(capacity))])),
                (k("phase"), s("Bound")),
            ],
            None => vec![(k("phase"), s("Pending"))],
        };
        object("v1", "PersistentVolumeClaim", meta, spec, status)
    }

    fn pod_object(&self, p: &Pod) -> V {
        let mut meta = self.meta(
            &p.name,
            Some(&p.namespace),
            &p.uid,
            p.created,
            self.next_rv(p.created as usize),
        );
        meta.push((
            k("labels"),
            map(vec![("app", s(p.name.split('-').next().unwrap_or("app")))]),
        ));
        let volumes: Vec<V> = p
            .claims
            .iter()
            .enumerate()
            .map(|(i, claim)| {
                map(vec![
                    ("name", s(format!("data{i}"))),
                    (
                        "persistentVolumeClaim",
                        map(vec![("claimName", s(claim.as_str()))]),
                    ),
                ])
            })
            .collect();
        let mounts: Vec<V> = (0..p.claims.len())
            .map(|i| {
                map(vec![
                    ("mountPath", s(format!("/data/{i}"))),
                    ("name", s(format!("data{i}"))),
                ])
            })
            .collect();
        let mut spec = vec![
            (k("containers"), V::L(vec![container("worker", mounts)])),
            (k("restartPolicy"), s("Always")),
            (k("schedulerName"), s("default-scheduler")),
            (k("serviceAccountName"), s("default")),
            (k("volumes"), V::L(volumes)),
            (
                k("tolerations"),
                V::L(vec![map(vec![
                    ("effect", s("NoExecute")),
                    ("key", s("node.kubernetes.io/not-ready")),
                    ("operator", s("Exists")),
                    ("tolerationSeconds", V::I(300)),
                ])]),
            ),
        ];
        if let Some(host) = &p.host {
            spec.push((k("nodeSelector"), map(vec![(HOSTNAME, s(host.as_str()))])));
        }
        if let Some(node) = &p.node_name {
            spec.push((k("nodeName"), s(node.as_str())));
        }
        let status = vec![(k("phase"), s(p.phase)), (k("qosClass"), s("Burstable"))];
        object("v1", "Pod", meta, spec, status)
    }

    fn node_object(&self, i: usize) -> V {
        let n = &self.nodes[i];
        let zone = ZONES[n.zone];
        let uid = uid_from(&n.name);
        let mut meta = self.meta(
            &n.name,
            None,
            &uid,
            EPOCH - 86_400 * (i as i64 % 90),
            self.next_rv(i),
        );
        meta.push((
            k("labels"),
            map(vec![
                ("beta.kubernetes.io/arch", s("amd64")),
                ("beta.kubernetes.io/instance-type", s("i3en.2xlarge")),
                ("beta.kubernetes.io/os", s("linux")),
                ("kubernetes.io/arch", s("amd64")),
                (HOSTNAME, s(n.name.as_str())),
                ("kubernetes.io/os", s("linux")),
                ("node.kubernetes.io/instance-type", s("i3en.2xlarge")),
                ("topology.ebs.csi.aws.com/zone", s(zone)),
                ("topology.kubernetes.io/region", s("eu-west-1")),
                (ZONE, s(zone)),
            ]),
        ));
        meta.push((
            k("annotations"),
            map(vec![
                ("node.alpha.kubernetes.io/ttl", s("0")),
                (
                    "volumes.kubernetes.io/controller-managed-attach-detach",
                    s("true"),
                ),
            ]),
        ));
        let mut spec = vec![(k("providerID"), s(format!("aws:///{zone}/{}", n.id)))];
        let mut taints = Vec::new();
        if n.tainted {
            taints.push(map(vec![
                ("effect", s("NoSchedule")),
                ("key", s("dedicated")),
                ("value", s("gpu")),
            ]));
        }
        if n.cordoned {
            spec.push((k("unschedulable"), V::B(true)));
            taints.push(map(vec![
                ("effect", s("NoSchedule")),
                ("key", s("node.kubernetes.io/unschedulable")),
                ("timeAdded", s(timestamp(EPOCH + 86_400 * 600))),
            ]));
        }
        if !taints.is_empty() {
            spec.push((k("taints"), V::L(taints)));
        }
        let resources = || {
            map(vec![
                ("cpu", s("8")),
                ("ephemeral-storage", s("83873772Ki")),
                ("memory", s("65023428Ki")),
                ("pods", s("58")),
            ])
        };
        let status = vec![
            (k("allocatable"), resources()),
            (k("capacity"), resources()),
            (
                k("conditions"),
                V::L(vec![map(vec![
                    ("lastHeartbeatTime", s(timestamp(EPOCH + SPAN as i64))),
                    ("lastTransitionTime", s(timestamp(EPOCH))),
                    ("message", s("kubelet is posting ready status")),
                    ("reason", s("KubeletReady")),
                    ("status", s("True")),
                    ("type", s("Ready")),
                ])]),
            ),
            (
                k("nodeInfo"),
                map(vec![
                    ("architecture", s("amd64")),
                    ("containerRuntimeVersion", s("containerd://1.7.11")),
                    ("kernelVersion", s("5.10.205-195.807.amzn2.x86_64")),
                    ("kubeletVersion", s("v1.29.0-eks-5e0fdde")),
                    ("operatingSystem", s("linux")),
                    ("osImage", s("Amazon Linux 2")),
                ]),
            ),
        ];
        object("v1", "Node", meta, spec, status)
    }

    fn statefulset_object(&self, t: &StatefulSet) -> V {
        let mut meta = self.meta(
            &t.name,
            Some(&t.namespace),
            &t.uid,
            t.created,
            self.next_rv(t.created as usize),
        );
        meta.push((k("generation"), V::I(1)));
        let labels = || map(vec![("app.kubernetes.io/name", s(t.name.as_str()))]);
        let mut mounts = vec![map(vec![
            ("mountPath", s("/var/lib/data")),
            ("name", s("data")),
        ])];
        let template = |name: &str, class: &str, size: &str| {
            map(vec![
                ("apiVersion", s("v1")),
                ("kind", s("PersistentVolumeClaim")),
                ("metadata", map(vec![("name", s(name))])),
                (
                    "spec",
                    map(vec![
                        ("accessModes", strs(&[RWO])),
                        (
                            "resources",
                            map(vec![("requests", map(vec![("storage", s(size))]))]),
                        ),
                        ("storageClassName", s(class)),
                        ("volumeMode", s("Filesystem")),
                    ]),
                ),
                ("status", map(vec![("phase", s("Pending"))])),
            ])
        };
        let mut templates = vec![template("data", "local", t.request)];
        if t.logs {
            mounts.push(map(vec![
                ("mountPath", s("/var/log/app")),
                ("name", s("logs")),
            ]));
            templates.push(template("logs", "gp3", "10Gi"));
        }
        let mut pod_spec = vec![
            ("containers", V::L(vec![container(&t.name, mounts)])),
            ("restartPolicy", s("Always")),
            ("terminationGracePeriodSeconds", V::I(30)),
        ];
        match &t.placement {
            Affinity::Host(host) => {
                pod_spec.push(("nodeSelector", map(vec![(HOSTNAME, s(host.as_str()))])))
            }
            zone => pod_spec.push((
                "affinity",
                map(vec![(
                    "nodeAffinity",
                    map(vec![(
                        "requiredDuringSchedulingIgnoredDuringExecution",
                        node_selector(zone),
                    )]),
                )]),
            )),
        }
        let spec = vec![
            (k("podManagementPolicy"), s("OrderedReady")),
            (k("replicas"), V::I(t.replicas as i64)),
            (k("revisionHistoryLimit"), V::I(10)),
            (k("selector"), map(vec![("matchLabels", labels())])),
            (k("serviceName"), s(t.name.as_str())),
            (
                k("template"),
                map(vec![
                    ("metadata", map(vec![("labels", labels())])),
                    ("spec", map(pod_spec)),
                ]),
            ),
            (
                k("updateStrategy"),
                map(vec![
                    ("rollingUpdate", map(vec![("partition", V::I(0))])),
                    ("type", s("RollingUpdate")),
                ]),
            ),
            (k("volumeClaimTemplates"), V::L(templates)),
        ];
        let status = vec![
            (k("availableReplicas"), V::I(0)),
            (k("observedGeneration"), V::I(1)),
            (k("replicas"), V::I(t.replicas as i64)),
        ];
        object("apps/v1", "StatefulSet", meta, spec, status)
    }

    fn deployment_object(&self, d: &Deployment) -> V {
        let mut meta = self.meta(
            &d.name,
            Some(&d.namespace),
            &d.uid,
            d.created,
            self.next_rv(d.created as usize),
        );
        meta.push((k("generation"), V::I(1)));
        meta.push((
            k("annotations"),
            map(vec![("deployment.kubernetes.io/revision", s("1"))]),
        ));
        let labels = || map(vec![("app.kubernetes.io/name", s(d.name.as_str()))]);
        let mounts = vec![map(vec![("mountPath", s("/state")), ("name", s("state"))])];
        let spec = vec![
            (k("progressDeadlineSeconds"), V::I(600)),
            (k("replicas"), V::I(d.replicas as i64)),
            (k("revisionHistoryLimit"), V::I(10)),
            (k("selector"), map(vec![("matchLabels", labels())])),
            (k("strategy"), map(vec![("type", s("Recreate"))])),
            (
                k("template"),
                map(vec![
                    ("metadata", map(vec![("labels", labels())])),
                    (
                        "spec",
                        map(vec![
                            ("containers", V::L(vec![container(&d.name, mounts)])),
                            ("restartPolicy", s("Always")),
                            (
                                "volumes",
                                V::L(vec![map(vec![
                                    ("name", s("state")),
                                    (
                                        "persistentVolumeClaim",
                                        map(vec![("claimName", s(d.claim.as_str()))]),
                                    ),
                                ])]),
                            ),
                        ]),
                    ),
                ]),
            ),
        ];
        let status = vec![
            (k("observedGeneration"), V::I(1)),
            (k("replicas"), V::I(d.replicas as i64)),
            (k("unavailableReplicas"), V::I(d.replicas as i64)),
        ];
        object("apps/v1", "Deployment", meta, spec, status)
    }
}

fn uid_from(name: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in name.bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    Rng::new(h).uuid()
}

fn container(name: &str, mounts: Vec<V>) -> V {
    map(vec![
        ("image", s(format!("registry.internal/{name}:1.4.2"))),
        ("imagePullPolicy", s("IfNotPresent")),
        ("name", s("main")),
        (
            "resources",
            map(vec![
                ("limits", map(vec![("memory", s("2Gi"))])),
                (
                    "requests",
                    map(vec![("cpu", s("500m")), ("memory", s("1Gi"))]),
                ),
            ]),
        ),
        ("volumeMounts", V::L(mounts)),
    ])
}

/// A PV's `nodeAffinity`: `{required: <node selector>}`.
fn node_affinity(affinity: &Affinity) -> V {
    map(vec![("required", node_selector(affinity))])
}

/// `{nodeSelectorTerms: [{matchExpressions: [{key, operator: In, values: [value]}]}]}`.
fn node_selector(affinity: &Affinity) -> V {
    let (key, value) = match affinity {
        Affinity::Host(host) => (HOSTNAME, host.as_str()),
        Affinity::Zone(key, zone) => (*key, *zone),
    };
    map(vec![(
        "nodeSelectorTerms",
        V::L(vec![map(vec![(
            "matchExpressions",
            V::L(vec![map(vec![
                ("key", s(key)),
                ("operator", s("In")),
                ("values", V::L(vec![s(value)])),
            ])]),
        )])]),
    )])
}

fn storage_classes() -> Vec<V> {
    let class = |name: &str,
                 provisioner: &str,
                 mode: &str,
                 default: bool,
                 expand: bool,
                 parameters: Vec<(&'static str, V)>| {
        let uid = uid_from(name);
        let mut meta = vec![
            (k("name"), s(name)),
            (k("uid"), s(uid)),
            (k("resourceVersion"), s("1042")),
            (k("creationTimestamp"), s(timestamp(EPOCH - 86_400 * 100))),
        ];
        if default {
            meta.push((
                k("annotations"),
                map(vec![(
                    "storageclass.kubernetes.io/is-default-class",
                    s("true"),
                )]),
            ));
        }
        let mut fields = vec![
            (k("apiVersion"), s("storage.k8s.io/v1")),
            (k("kind"), s("StorageClass")),
            (k("metadata"), V::M(meta)),
            (k("provisioner"), s(provisioner)),
            (
                k("reclaimPolicy"),
                s(if provisioner == NO_PROVISIONER {
                    "Retain"
                } else {
                    "Delete"
                }),
            ),
            (k("volumeBindingMode"), s(mode)),
        ];
        if expand {
            fields.push((k("allowVolumeExpansion"), V::B(true)));
        }
        if !parameters.is_empty() {
            fields.push((k("parameters"), map(parameters)));
        }
        V::M(fields)
    };
    vec![
        class(
            "gp3",
            EBS,
            "WaitForFirstConsumer",
            true,
            true,
            vec![("type", s("gp3")), ("csi.storage.k8s.io/fstype", s("ext4"))],
        ),
        class(
            "standard",
            EBS,
            "Immediate",
            false,
            true,
            vec![("type", s("gp2"))],
        ),
        class(
            "efs-sc",
            EFS,
            "Immediate",
            false,
            false,
            vec![
                ("provisioningMode", s("efs-ap")),
                ("fileSystemId", s("fs-0a1b2c3d4e5f67890")),
                ("directoryPerms", s("700")),
            ],
        ),
        class(
            "manual",
            NO_PROVISIONER,
            "Immediate",
            false,
            false,
            Vec::new(),
        ),
        class(
            "local",
            NO_PROVISIONER,
            "WaitForFirstConsumer",
            false,
            false,
            Vec::new(),
        ),
    ]
}

// ---------------------------------------------------------------------------------------------
// A small document tree and its writers

type Key = Cow<'static, str>;

/// A JSON-like value; maps keep their entries in any order and are written sorted by key, as
/// kubectl writes them.
#[derive(Clone, Debug)]
enum V {
    S(String),
    I(i64),
    B(bool),
    L(Vec<V>),
    M(Vec<(Key, V)>),
}

fn k(key: &'static str) -> Key {
    Cow::Borrowed(key)
}

fn s(value: impl Into<String>) -> V {
    V::S(value.into())
}

fn strs(values: &[&str]) -> V {
    V::L(values.iter().map(|v| s(*v)).collect())
}

fn map(entries: Vec<(&'static str, V)>) -> V {
    V::M(entries.into_iter().map(|(a, b)| (k(a), b)).collect())
}

fn object(
    api_version: &'static str,
    kind: &'static str,
    meta: Vec<(Key, V)>,
    spec: Vec<(Key, V)>,
    status: Vec<(Key, V)>,
) -> V {
    V::M(vec![
        (k("apiVersion"), s(api_version)),
        (k("kind"), s(kind)),
        (k("metadata"), V::M(meta)),
        (k("spec"), V::M(spec)),
        (k("status"), V::M(status)),
    ])
}

struct Writer<'o> {
    out: &'o mut dyn io::Write,
    format: Format,
    buf: String,
    first: bool,
    bytes: usize,
}

impl Writer<'_> {
    fn flush(&mut self, force: bool) -> io::Result<()> {
        if force || self.buf.len() >= 1 << 16 {
            self.out.write_all(self.buf.as_bytes())?;
            self.bytes += self.buf.len();
            self.buf.clear();
        }
        Ok(())
    }

    fn begin(&mut self) -> io::Result<()> {
        match self.format {
            Format::Yaml => {}
            Format::Json => self
                .buf
                .push_str("{\n    \"apiVersion\": \"v1\",\n    \"items\": ["),
            Format::ListYaml => self.buf.push_str("apiVersion: v1\nitems:\n"),
            Format::CompactJson => self.buf.push_str("{\"apiVersion\":\"v1\",\"items\":["),
        }
        Ok(())
    }

    fn object(&mut self, value: &V) -> io::Result<()> {
        let V::M(entries) = value else {
            unreachable!("objects are maps")
        };
        match self.format {
            Format::Yaml => {
                self.buf.push_str("---\n");
                yaml_map(&mut self.buf, entries, 0, false);
            }
            Format::ListYaml => {
                self.buf.push_str("- ");
                yaml_map(&mut self.buf, entries, 2, true);
            }
            Format::Json => {
                self.buf.push_str(if self.first {
                    "\n        "
                } else {
                    ",\n        "
                });
                json(&mut self.buf, value, Layout::Indented(8));
            }
            Format::CompactJson => {
                if !self.first {
                    self.buf.push(',');
                }
                json(&mut self.buf, value, Layout::Compact);
            }
        }
        self.first = false;
        self.flush(false)
    }

    fn end(&mut self) -> io::Result<()> {
        match self.format {
            Format::Yaml => {}
            Format::Json => {
                if !self.first {
                    self.buf.push_str("\n    ");
                }
                self.buf.push_str(
                    "],\n    \"kind\": \"List\",\n    \"metadata\": {\n        \"resourceVersion\": \"\"\n    }\n}\n",
                );
            }
            Format::CompactJson => self
                .buf
                .push_str("],\"kind\":\"List\",\"metadata\":{\"resourceVersion\":\"\"}}\n"),
            Format::ListYaml => {
                if self.first {
                    // `items:` with nothing under it would be null.
                    self.buf.truncate(self.buf.len() - 1);
                    self.buf.push_str(" []\n");
                }
                self.buf
                    .push_str("kind: List\nmetadata:\n  resourceVersion: \"\"\n");
            }
        }
        self.flush(true)?;
        self.out.flush()
    }
}

fn sorted(entries: &[(Key, V)]) -> Vec<&(Key, V)> {
    let mut sorted: Vec<&(Key, V)> = entries.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    sorted
}

fn indent(out: &mut String, n: usize) {
    out.extend(std::iter::repeat_n(' ', n));
}

/// Block-style YAML as kubectl (go-yaml) writes it: sequences at their key's indentation.
fn yaml_map(out: &mut String, entries: &[(Key, V)], at: usize, inline_first: bool) {
    for (i, (key, value)) in sorted(entries).into_iter().enumerate() {
        if i > 0 || !inline_first {
            indent(out, at);
        }
        yaml_scalar(out, key);
        out.push(':');
        match value {
            V::M(e) if e.is_empty() => out.push_str(" {}\n"),
            V::L(l) if l.is_empty() => out.push_str(" []\n"),
            V::M(e) => {
                out.push('\n');
                yaml_map(out, e, at + 2, false);
            }
            V::L(l) => {
                out.push('\n');
                yaml_list(out, l, at);
            }
            scalar => {
                out.push(' ');
                yaml_value(out, scalar);
                out.push('\n');
            }
        }
    }
}

fn yaml_list(out: &mut String, items: &[V], at: usize) {
    for item in items {
        indent(out, at);
        out.push_str("- ");
        match item {
            V::M(e) if !e.is_empty() => yaml_map(out, e, at + 2, true),
            other => {
                // Scalars, and (flow style) empty or nested collections.
                yaml_value(out, other);
                out.push('\n');
            }
        }
    }
}

fn yaml_value(out: &mut String, value: &V) {
    match value {
        V::S(text) => yaml_scalar(out, text),
        V::I(n) => out.push_str(&n.to_string()),
        V::B(b) => out.push_str(if *b { "true" } else { "false" }),
        collection => json(out, collection, Layout::Flow),
    }
}

/// Plain when YAML reads it back as the same string, double-quoted otherwise.
fn yaml_scalar(out: &mut String, text: &str) {
    if needs_quotes(text) {
        json_string(out, text);
    } else {
        out.push_str(text);
    }
}

fn needs_quotes(text: &str) -> bool {
    let Some(first) = text.chars().next() else {
        return true;
    };
    if "-?:,[]{}#&*!|>'\"%@` ".contains(first) || text.ends_with(' ') || text.ends_with(':') {
        return true;
    }
    if text.contains(": ") || text.contains(" #") || text.contains('\n') || text.contains('\t') {
        return true;
    }
    let lower = text.to_ascii_lowercase();
    if matches!(
        lower.as_str(),
        "true" | "false" | "yes" | "no" | "on" | "off" | "y" | "n" | "null" | "~"
    ) {
        return true;
    }
    // Numbers, and timestamps go-yaml would read as times.
    text.parse::<f64>().is_ok()
        || (first.is_ascii_digit()
            && text
                .chars()
                .all(|c| c.is_ascii_digit() || "-:.TZ+_".contains(c)))
        || lower.starts_with("0x")
        || lower.starts_with("0o")
}

/// How JSON is laid out.
#[derive(Clone, Copy)]
enum Layout {
    /// Pretty, nested at this many spaces, as `kubectl get -o json` writes it.
    Indented(usize),
    /// On one line with a space after separators (a YAML flow collection).
    Flow,
    /// On one line without spaces, as `jq -c` writes it.
    Compact,
}

fn json(out: &mut String, value: &V, layout: Layout) {
    let (comma, colon) = match layout {
        Layout::Indented(_) => (",", ": "),
        Layout::Flow => (", ", ": "),
        Layout::Compact => (",", ":"),
    };
    let newline = |out: &mut String, extra: usize| {
        if let Layout::Indented(at) = layout {
            out.push('\n');
            indent(out, at + extra);
        }
    };
    let inner = match layout {
        Layout::Indented(at) => Layout::Indented(at + 4),
        other => other,
    };
    match value {
        V::S(text) => json_string(out, text),
        V::I(n) => out.push_str(&n.to_string()),
        V::B(b) => out.push_str(if *b { "true" } else { "false" }),
        V::L(items) if items.is_empty() => out.push_str("[]"),
        V::M(entries) if entries.is_empty() => out.push_str("{}"),
        V::L(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(comma);
                }
                newline(out, 4);
                json(out, item, inner);
            }
            newline(out, 0);
            out.push(']');
        }
        V::M(entries) => {
            out.push('{');
            for (i, (key, item)) in sorted(entries).into_iter().enumerate() {
                if i > 0 {
                    out.push_str(comma);
                }
                newline(out, 4);
                json_string(out, key);
                out.push_str(colon);
                json(out, item, inner);
            }
            newline(out, 0);
            out.push('}');
        }
    }
}

fn json_string(out: &mut String, text: &str) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}
