//! The flags that say which cluster to read and how, named and read as kubectl reads them.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

/// Connection flags, flattened into every command that reads a cluster.
#[derive(Clone, Debug, Default, Args)]
pub struct ClusterArgs {
    /// Read the live cluster; `--cluster=NAME` also picks the kubeconfig cluster.
    ///
    /// Without a name, the current context's cluster. With one, that cluster of the kubeconfig,
    /// as kubectl's --cluster picks it; the `=` is required, so a path after the flag stays a
    /// path.
    #[arg(
        long,
        value_name = "NAME",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = ""
    )]
    pub cluster: Option<String>,

    /// Kubeconfig file to use instead of KUBECONFIG or ~/.kube/config.
    #[arg(long, value_name = "FILE", value_hint = clap::ValueHint::FilePath)]
    pub kubeconfig: Option<PathBuf>,

    /// Kubeconfig context to use instead of the current one.
    #[arg(long, value_name = "NAME")]
    pub context: Option<String>,

    /// Kubeconfig user to use instead of the context's.
    #[arg(long, value_name = "NAME")]
    pub user: Option<String>,

    /// Namespace to read, and for namespaced objects written without one. Defaults to the
    /// context's namespace, or `default`.
    #[arg(short = 'n', long, value_name = "NAMESPACE")]
    pub namespace: Option<String>,

    /// Read every namespace (a namespace given with -n is then ignored, as by kubectl).
    #[arg(short = 'A', long)]
    pub all_namespaces: bool,

    /// How long to wait for one request before giving up: `0` (never), or a duration like
    /// `30s`, `1m`, `1m30s`; a bare number is seconds.
    #[arg(long, value_name = "DURATION", value_parser = parse_request_timeout)]
    pub request_timeout: Option<RequestTimeout>,
}

/// `--request-timeout`: `None` inside means no limit (`0`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RequestTimeout(pub Option<Duration>);

impl ClusterArgs {
    /// Whether to read a live cluster.
    pub fn live(&self) -> bool {
        self.cluster.is_some()
    }

    /// The kubeconfig cluster named with `--cluster=NAME`.
    pub fn cluster_name(&self) -> Option<&str> {
        self.cluster.as_deref().filter(|name| !name.is_empty())
    }

    /// The request timeout; none unless given, as in kubectl.
    pub fn timeout(&self) -> Option<Duration> {
        self.request_timeout.and_then(|t| t.0)
    }

    /// The first flag given that only means something for a live cluster.
    pub fn live_only_flag(&self) -> Option<&'static str> {
        [
            (self.kubeconfig.is_some(), "--kubeconfig"),
            (self.context.is_some(), "--context"),
            (self.user.is_some(), "--user"),
            (self.all_namespaces, "--all-namespaces"),
            (self.request_timeout.is_some(), "--request-timeout"),
        ]
        .into_iter()
        .find_map(|(given, flag)| given.then_some(flag))
    }
}

/// Parses kubectl's `--request-timeout`: Go duration syntax (`1h2m3.5s`, `500ms`), `0` for no
/// timeout, and a bare number as seconds.
pub fn parse_request_timeout(text: &str) -> Result<RequestTimeout, String> {
    let text = text.trim();
    if let Ok(seconds) = text.parse::<u64>() {
        return Ok(RequestTimeout(
            (seconds > 0).then(|| Duration::from_secs(seconds)),
        ));
    }
    let invalid = || {
        format!("invalid duration {text:?}: use a number with a unit, like 30s, 1m or 1m30s, or 0 for none")
    };
    let mut rest = text;
    let mut total = 0f64;
    if rest.is_empty() {
        return Err(invalid());
    }
    while !rest.is_empty() {
        let number_end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(invalid)?;
        let number: f64 = rest[..number_end].parse().map_err(|_| invalid())?;
        rest = &rest[number_end..];
        let unit_end = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let seconds = match &rest[..unit_end] {
            "ns" => 1e-9,
            "us" | "µs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => return Err(invalid()),
        };
        total += number * seconds;
        rest = &rest[unit_end..];
    }
    if !total.is_finite() || total > 1e9 {
        return Err(invalid());
    }
    Ok(RequestTimeout(
        (total > 0.0).then(|| Duration::from_secs_f64(total)),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Option<Duration> {
        parse_request_timeout(text).unwrap().0
    }

    #[test]
    fn request_timeouts_as_kubectl_reads_them() {
        assert_eq!(parse("0"), None);
        assert_eq!(parse("0s"), None);
        assert_eq!(parse("30"), Some(Duration::from_secs(30)));
        assert_eq!(parse("30s"), Some(Duration::from_secs(30)));
        assert_eq!(parse("1m"), Some(Duration::from_secs(60)));
        assert_eq!(parse("1m30s"), Some(Duration::from_secs(90)));
        assert_eq!(parse("1.5s"), Some(Duration::from_millis(1500)));
        assert_eq!(parse("500ms"), Some(Duration::from_millis(500)));
        assert_eq!(parse("1h"), Some(Duration::from_secs(3600)));
        for bad in ["", "s", "1x", "m1", "-1s", "1.2.3s"] {
            assert!(parse_request_timeout(bad).is_err(), "{bad}");
        }
    }
}
