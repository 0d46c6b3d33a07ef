
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'kubectl-storage' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'kubectl-storage'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'kubectl-storage' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('plan', 'plan', [CompletionResultType]::ParameterValue, 'Predict, claim by claim, which volume each PersistentVolumeClaim binds to, whether one is provisioned, or why it stays Pending; and what happens to each volume')
            [CompletionResult]::new('rules', 'rules', [CompletionResultType]::ParameterValue, 'List the rules the plan checks')
            [CompletionResult]::new('explain', 'explain', [CompletionResultType]::ParameterValue, 'Show a rule''s documentation: why it matters and how to fix it')
            [CompletionResult]::new('what-if', 'what-if', [CompletionResultType]::ParameterValue, 'Predict what deleting a namespace, claim, StatefulSet or pod does to the data of every volume it reaches')
            [CompletionResult]::new('diagnose', 'diagnose', [CompletionResultType]::ParameterValue, 'Explain, from a live cluster, why a claim is Pending, why a pod does not start for storage reasons, or where a resize is stuck: one object and what it depends on, or every problem in the namespace')
            [CompletionResult]::new('fix', 'fix', [CompletionResultType]::ParameterValue, 'Apply the fixes rules declare to manifests: safe ones, and unsafe ones when asked; show them as a diff or write them')
            [CompletionResult]::new('expand', 'expand', [CompletionResultType]::ParameterValue, 'Grow a claim, or every claim of a StatefulSet, in a cluster: checked first, then followed until the volume and its file system have the new size; or write the size into manifests')
            [CompletionResult]::new('rebind', 'rebind', [CompletionResultType]::ParameterValue, 'Give a volume whose claim is gone to a claim (created when missing), keeping its data: Retain first, every step shown, dry-run, and made with --yes')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'kubectl-storage;plan' {
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Manifests to plan: files, folders (searched recursively for .yaml, .yml and .json) or `-` for standard input. Repeatable. A `kubectl get pv,pvc,sc,pods,nodes -A -o yaml` dump plans the cluster it was taken from')
            [CompletionResult]::new('--filename', '--filename', [CompletionResultType]::ParameterName, 'Manifests to plan: files, folders (searched recursively for .yaml, .yml and .json) or `-` for standard input. Repeatable. A `kubectl get pv,pvc,sc,pods,nodes -A -o yaml` dump plans the cluster it was taken from')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'Read the live cluster; `--cluster=NAME` also picks the kubeconfig cluster')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file to use instead of KUBECONFIG or ~/.kube/config')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubeconfig context to use instead of the current one')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Kubeconfig user to use instead of the context''s')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace to read, and for namespaced objects written without one. Defaults to the context''s namespace, or `default`')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace to read, and for namespaced objects written without one. Defaults to the context''s namespace, or `default`')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'How long to wait for one request before giving up: `0` (never), or a duration like `30s`, `1m`, `1m30s`; a bare number is seconds')
            [CompletionResult]::new('--kubernetes-version', '--kubernetes-version', [CompletionResultType]::ParameterName, 'The Kubernetes release to plan for, like `1.30`: API versions and in-tree volume plugins it no longer serves are reported, and claims of a class whose provisioner it removed stay Pending. Defaults to the cluster''s own release with --cluster, else the newest release the tool knows (1.36)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--fail-on', '--fail-on', [CompletionResultType]::ParameterName, 'Exit with code 1 when a finding has this severity or a worse one')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Settings file to use instead of the nearest `.kubectl-storage.yaml` from the working directory upward')
            [CompletionResult]::new('--disable', '--disable', [CompletionResultType]::ParameterName, 'Switch a rule off (repeatable); `kubectl storage rules` lists them')
            [CompletionResult]::new('--enable', '--enable', [CompletionResultType]::ParameterName, 'Switch a rule on again, even if --disable names it (repeatable)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour in text output')
            [CompletionResult]::new('-A', '-A ', [CompletionResultType]::ParameterName, 'Read every namespace (a namespace given with -n is then ignored, as by kubectl)')
            [CompletionResult]::new('--all-namespaces', '--all-namespaces', [CompletionResultType]::ParameterName, 'Read every namespace (a namespace given with -n is then ignored, as by kubectl)')
            [CompletionResult]::new('--complete', '--complete', [CompletionResultType]::ParameterName, 'Take the input as the whole cluster: what it does not show does not exist')
            [CompletionResult]::new('--partial', '--partial', [CompletionResultType]::ParameterName, 'Take the input as a part of a cluster: what it does not show is assumed to exist')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kubectl-storage;rules' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kubectl-storage;explain' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kubectl-storage;what-if' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('delete', 'delete', [CompletionResultType]::ParameterValue, 'Which volumes'' data deleting a namespace, claim, StatefulSet or pod deletes, keeps on a Released volume, or leaves untouched, and why')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'kubectl-storage;what-if;delete' {
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Manifests or a cluster dump (`kubectl get pv,pvc,sc,pods,statefulsets -A -o yaml`): files, folders or `-` for standard input. Repeatable')
            [CompletionResult]::new('--filename', '--filename', [CompletionResultType]::ParameterName, 'Manifests or a cluster dump (`kubectl get pv,pvc,sc,pods,statefulsets -A -o yaml`): files, folders or `-` for standard input. Repeatable')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'Read the live cluster; `--cluster=NAME` also picks the kubeconfig cluster')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file to use instead of KUBECONFIG or ~/.kube/config')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubeconfig context to use instead of the current one')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Kubeconfig user to use instead of the context''s')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace to read, and for namespaced objects written without one. Defaults to the context''s namespace, or `default`')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace to read, and for namespaced objects written without one. Defaults to the context''s namespace, or `default`')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'How long to wait for one request before giving up: `0` (never), or a duration like `30s`, `1m`, `1m30s`; a bare number is seconds')
            [CompletionResult]::new('--kubernetes-version', '--kubernetes-version', [CompletionResultType]::ParameterName, 'The Kubernetes release to plan for, like `1.30`: API versions and in-tree volume plugins it no longer serves are reported, and claims of a class whose provisioner it removed stay Pending. Defaults to the cluster''s own release with --cluster, else the newest release the tool knows (1.36)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour in text output')
            [CompletionResult]::new('-A', '-A ', [CompletionResultType]::ParameterName, 'Read every namespace (a namespace given with -n is then ignored, as by kubectl)')
            [CompletionResult]::new('--all-namespaces', '--all-namespaces', [CompletionResultType]::ParameterName, 'Read every namespace (a namespace given with -n is then ignored, as by kubectl)')
            [CompletionResult]::new('--complete', '--complete', [CompletionResultType]::ParameterName, 'Take the input as the whole cluster: what it does not show does not exist')
            [CompletionResult]::new('--partial', '--partial', [CompletionResultType]::ParameterName, 'Take the input as a part of a cluster: what it does not show is assumed to exist')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kubectl-storage;what-if;help' {
            [CompletionResult]::new('delete', 'delete', [CompletionResultType]::ParameterValue, 'Which volumes'' data deleting a namespace, claim, StatefulSet or pod deletes, keeps on a Released volume, or leaves untouched, and why')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'kubectl-storage;what-if;help;delete' {
            break
        }
        'kubectl-storage;what-if;help;help' {
            break
        }
        'kubectl-storage;diagnose' {
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'Read the live cluster; `--cluster=NAME` also picks the kubeconfig cluster')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file to use instead of KUBECONFIG or ~/.kube/config')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubeconfig context to use instead of the current one')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Kubeconfig user to use instead of the context''s')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace to read, and for namespaced objects written without one. Defaults to the context''s namespace, or `default`')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace to read, and for namespaced objects written without one. Defaults to the context''s namespace, or `default`')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'How long to wait for one request before giving up: `0` (never), or a duration like `30s`, `1m`, `1m30s`; a bare number is seconds')
            [CompletionResult]::new('--kubernetes-version', '--kubernetes-version', [CompletionResultType]::ParameterName, 'The Kubernetes release to plan for, like `1.30`: API versions and in-tree volume plugins it no longer serves are reported, and claims of a class whose provisioner it removed stay Pending. Defaults to the cluster''s own release with --cluster, else the newest release the tool knows (1.36)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--fail-on', '--fail-on', [CompletionResultType]::ParameterName, 'Exit with code 1 when a finding has this severity or a worse one')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Settings file to use instead of the nearest `.kubectl-storage.yaml` from the working directory upward')
            [CompletionResult]::new('--disable', '--disable', [CompletionResultType]::ParameterName, 'Switch a rule off (repeatable); `kubectl storage rules` lists them')
            [CompletionResult]::new('--enable', '--enable', [CompletionResultType]::ParameterName, 'Switch a rule on again, even if --disable names it (repeatable)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour in text output')
            [CompletionResult]::new('-A', '-A ', [CompletionResultType]::ParameterName, 'Read every namespace (a namespace given with -n is then ignored, as by kubectl)')
            [CompletionResult]::new('--all-namespaces', '--all-namespaces', [CompletionResultType]::ParameterName, 'Read every namespace (a namespace given with -n is then ignored, as by kubectl)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kubectl-storage;fix' {
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Manifests to fix: files, or folders (searched recursively for .yaml, .yml and .json). Repeatable. `-` reads standard input; --write then prints the fixed text')
            [CompletionResult]::new('--filename', '--filename', [CompletionResultType]::ParameterName, 'Manifests to fix: files, or folders (searched recursively for .yaml, .yml and .json). Repeatable. `-` reads standard input; --write then prints the fixed text')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'Read the live cluster; `--cluster=NAME` also picks the kubeconfig cluster')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file to use instead of KUBECONFIG or ~/.kube/config')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubeconfig context to use instead of the current one')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Kubeconfig user to use instead of the context''s')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace to read, and for namespaced objects written without one. Defaults to the context''s namespace, or `default`')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace to read, and for namespaced objects written without one. Defaults to the context''s namespace, or `default`')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'How long to wait for one request before giving up: `0` (never), or a duration like `30s`, `1m`, `1m30s`; a bare number is seconds')
            [CompletionResult]::new('--fail-on', '--fail-on', [CompletionResultType]::ParameterName, 'Exit with code 1 when a finding of this severity or a worse one is left after fixing')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Settings file to use instead of the nearest `.kubectl-storage.yaml` from the working directory upward')
            [CompletionResult]::new('--disable', '--disable', [CompletionResultType]::ParameterName, 'Switch a rule off (repeatable); `kubectl storage rules` lists them')
            [CompletionResult]::new('--enable', '--enable', [CompletionResultType]::ParameterName, 'Switch a rule on again, even if --disable names it (repeatable)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour')
            [CompletionResult]::new('--diff', '--diff', [CompletionResultType]::ParameterName, 'Print the changes as a unified diff; write nothing')
            [CompletionResult]::new('--write', '--write', [CompletionResultType]::ParameterName, 'Write the fixed files, each atomically (a temporary file renamed over it)')
            [CompletionResult]::new('--unsafe-fixes', '--unsafe-fixes', [CompletionResultType]::ParameterName, 'Also apply the fixes rules mark unsafe: they change behaviour (a reclaim policy, a retention policy), so only their owner should take them')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'With --cluster: send the patches without asking (otherwise a terminal is asked, and anything else only shows them)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'With --cluster: send the patches without asking (otherwise a terminal is asked, and anything else only shows them)')
            [CompletionResult]::new('-A', '-A ', [CompletionResultType]::ParameterName, 'Read every namespace (a namespace given with -n is then ignored, as by kubectl)')
            [CompletionResult]::new('--all-namespaces', '--all-namespaces', [CompletionResultType]::ParameterName, 'Read every namespace (a namespace given with -n is then ignored, as by kubectl)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kubectl-storage;expand' {
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, 'The new size, as a quantity: 50Gi, 1Ti')
            [CompletionResult]::new('--template', '--template', [CompletionResultType]::ParameterName, 'For a StatefulSet with several volumeClaimTemplates: the one to grow')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Write the size into manifests instead of a cluster: files, or folders. Repeatable; `-` reads standard input')
            [CompletionResult]::new('--filename', '--filename', [CompletionResultType]::ParameterName, 'Write the size into manifests instead of a cluster: files, or folders. Repeatable; `-` reads standard input')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to follow the resize: a duration like 90s or 10m; 0 follows until it ends')
            [CompletionResult]::new('--poll-interval', '--poll-interval', [CompletionResultType]::ParameterName, 'How often to look at the claims while following (tests shorten it)')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'Read the live cluster; `--cluster=NAME` also picks the kubeconfig cluster')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file to use instead of KUBECONFIG or ~/.kube/config')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubeconfig context to use instead of the current one')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Kubeconfig user to use instead of the context''s')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace to read, and for namespaced objects written without one. Defaults to the context''s namespace, or `default`')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace to read, and for namespaced objects written without one. Defaults to the context''s namespace, or `default`')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'How long to wait for one request before giving up: `0` (never), or a duration like `30s`, `1m`, `1m30s`; a bare number is seconds')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour')
            [CompletionResult]::new('--diff', '--diff', [CompletionResultType]::ParameterName, 'With -f: print the change as a unified diff; write nothing')
            [CompletionResult]::new('--write', '--write', [CompletionResultType]::ParameterName, 'With -f: write the changed files, each atomically')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Change the cluster without asking (otherwise a terminal is asked, and anything else only shows the changes). Also runs the printed plan that carries a StatefulSet''s new size into its template')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Change the cluster without asking (otherwise a terminal is asked, and anything else only shows the changes). Also runs the printed plan that carries a StatefulSet''s new size into its template')
            [CompletionResult]::new('--wait', '--wait', [CompletionResultType]::ParameterName, 'Follow the resize until the claims have the new size (the default)')
            [CompletionResult]::new('--no-wait', '--no-wait', [CompletionResultType]::ParameterName, 'Ask for the new size and return; the resize goes on in the cluster')
            [CompletionResult]::new('--restart-pods', '--restart-pods', [CompletionResultType]::ParameterName, 'When the file system waits for a pod to mount the volume again, restart the pods that use the claim, if a Deployment''s ReplicaSet or a StatefulSet owns them (they are recreated)')
            [CompletionResult]::new('-A', '-A ', [CompletionResultType]::ParameterName, 'Read every namespace (a namespace given with -n is then ignored, as by kubectl)')
            [CompletionResult]::new('--all-namespaces', '--all-namespaces', [CompletionResultType]::ParameterName, 'Read every namespace (a namespace given with -n is then ignored, as by kubectl)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kubectl-storage;rebind' {
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, 'The claim to give it to: NAMESPACE/CLAIM, or CLAIM in the namespace of -n (or the context''s). It is created when it does not exist')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for the claim to be bound: a duration like 90s or 2m; 0 waits until it is')
            [CompletionResult]::new('--poll-interval', '--poll-interval', [CompletionResultType]::ParameterName, 'How often to look while waiting (tests shorten it)')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'Read the live cluster; `--cluster=NAME` also picks the kubeconfig cluster')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Kubeconfig file to use instead of KUBECONFIG or ~/.kube/config')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'Kubeconfig context to use instead of the current one')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Kubeconfig user to use instead of the context''s')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace to read, and for namespaced objects written without one. Defaults to the context''s namespace, or `default`')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace to read, and for namespaced objects written without one. Defaults to the context''s namespace, or `default`')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'How long to wait for one request before giving up: `0` (never), or a duration like `30s`, `1m`, `1m30s`; a bare number is seconds')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Make the changes without asking (otherwise a terminal is asked, and anything else only shows them)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Make the changes without asking (otherwise a terminal is asked, and anything else only shows them)')
            [CompletionResult]::new('--restore-reclaim-policy', '--restore-reclaim-policy', [CompletionResultType]::ParameterName, 'Once bound, put back the reclaim policy the rebind changed to Retain')
            [CompletionResult]::new('--no-wait', '--no-wait', [CompletionResultType]::ParameterName, 'Make the changes and return without waiting for the claim to be bound')
            [CompletionResult]::new('-A', '-A ', [CompletionResultType]::ParameterName, 'Read every namespace (a namespace given with -n is then ignored, as by kubectl)')
            [CompletionResult]::new('--all-namespaces', '--all-namespaces', [CompletionResultType]::ParameterName, 'Read every namespace (a namespace given with -n is then ignored, as by kubectl)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kubectl-storage;help' {
            [CompletionResult]::new('plan', 'plan', [CompletionResultType]::ParameterValue, 'Predict, claim by claim, which volume each PersistentVolumeClaim binds to, whether one is provisioned, or why it stays Pending; and what happens to each volume')
            [CompletionResult]::new('rules', 'rules', [CompletionResultType]::ParameterValue, 'List the rules the plan checks')
            [CompletionResult]::new('explain', 'explain', [CompletionResultType]::ParameterValue, 'Show a rule''s documentation: why it matters and how to fix it')
            [CompletionResult]::new('what-if', 'what-if', [CompletionResultType]::ParameterValue, 'Predict what deleting a namespace, claim, StatefulSet or pod does to the data of every volume it reaches')
            [CompletionResult]::new('diagnose', 'diagnose', [CompletionResultType]::ParameterValue, 'Explain, from a live cluster, why a claim is Pending, why a pod does not start for storage reasons, or where a resize is stuck: one object and what it depends on, or every problem in the namespace')
            [CompletionResult]::new('fix', 'fix', [CompletionResultType]::ParameterValue, 'Apply the fixes rules declare to manifests: safe ones, and unsafe ones when asked; show them as a diff or write them')
            [CompletionResult]::new('expand', 'expand', [CompletionResultType]::ParameterValue, 'Grow a claim, or every claim of a StatefulSet, in a cluster: checked first, then followed until the volume and its file system have the new size; or write the size into manifests')
            [CompletionResult]::new('rebind', 'rebind', [CompletionResultType]::ParameterValue, 'Give a volume whose claim is gone to a claim (created when missing), keeping its data: Retain first, every step shown, dry-run, and made with --yes')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'kubectl-storage;help;plan' {
            break
        }
        'kubectl-storage;help;rules' {
            break
        }
        'kubectl-storage;help;explain' {
            break
        }
        'kubectl-storage;help;what-if' {
            [CompletionResult]::new('delete', 'delete', [CompletionResultType]::ParameterValue, 'Which volumes'' data deleting a namespace, claim, StatefulSet or pod deletes, keeps on a Released volume, or leaves untouched, and why')
            break
        }
        'kubectl-storage;help;what-if;delete' {
            break
        }
        'kubectl-storage;help;diagnose' {
            break
        }
        'kubectl-storage;help;fix' {
            break
        }
        'kubectl-storage;help;expand' {
            break
        }
        'kubectl-storage;help;rebind' {
            break
        }
        'kubectl-storage;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
