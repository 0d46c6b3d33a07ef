# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_kubectl_storage_global_optspecs
    string join \n h/help V/version
end

function __fish_kubectl_storage_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_kubectl_storage_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_kubectl_storage_using_subcommand
    set -l cmd (__fish_kubectl_storage_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c kubectl-storage -n "__fish_kubectl_storage_needs_command" -s h -l help -d 'Print help'
complete -c kubectl-storage -n "__fish_kubectl_storage_needs_command" -s V -l version -d 'Print version'
complete -c kubectl-storage -n "__fish_kubectl_storage_needs_command" -f -a "plan" -d 'Predict, claim by claim, which volume each PersistentVolumeClaim binds to, whether one is provisioned, or why it stays Pending; and what happens to each volume'
complete -c kubectl-storage -n "__fish_kubectl_storage_needs_command" -f -a "rules" -d 'List the rules the plan checks'
complete -c kubectl-storage -n "__fish_kubectl_storage_needs_command" -f -a "explain" -d 'Show a rule\'s documentation: why it matters and how to fix it'
complete -c kubectl-storage -n "__fish_kubectl_storage_needs_command" -f -a "what-if" -d 'Predict what deleting a namespace, claim, StatefulSet or pod does to the data of every volume it reaches'
complete -c kubectl-storage -n "__fish_kubectl_storage_needs_command" -f -a "diagnose" -d 'Explain, from a live cluster, why a claim is Pending, why a pod does not start for storage reasons, or where a resize is stuck: one object and what it depends on, or every problem in the namespace'
complete -c kubectl-storage -n "__fish_kubectl_storage_needs_command" -f -a "fix" -d 'Apply the fixes rules declare to manifests: safe ones, and unsafe ones when asked; show them as a diff or write them'
complete -c kubectl-storage -n "__fish_kubectl_storage_needs_command" -f -a "expand" -d 'Grow a claim, or every claim of a StatefulSet, in a cluster: checked first, then followed until the volume and its file system have the new size; or write the size into manifests'
complete -c kubectl-storage -n "__fish_kubectl_storage_needs_command" -f -a "rebind" -d 'Give a volume whose claim is gone to a claim (created when missing), keeping its data: Retain first, every step shown, dry-run, and made with --yes'
complete -c kubectl-storage -n "__fish_kubectl_storage_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand plan" -s f -l filename -d 'Manifests to plan: files, folders (searched recursively for .yaml, .yml and .json) or `-` for standard input. Repeatable. A `kubectl get pv,pvc,sc,pods,nodes -A -o yaml` dump plans the cluster it was taken from' -r -F
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand plan" -l cluster -d 'Read the live cluster; `--cluster=NAME` also picks the kubeconfig cluster' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand plan" -l kubeconfig -d 'Kubeconfig file to use instead of KUBECONFIG or ~/.kube/config' -r -F
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand plan" -l context -d 'Kubeconfig context to use instead of the current one' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand plan" -l user -d 'Kubeconfig user to use instead of the context\'s' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand plan" -s n -l namespace -d 'Namespace to read, and for namespaced objects written without one. Defaults to the context\'s namespace, or `default`' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand plan" -l request-timeout -d 'How long to wait for one request before giving up: `0` (never), or a duration like `30s`, `1m`, `1m30s`; a bare number is seconds' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand plan" -l kubernetes-version -d 'The Kubernetes release to plan for, like `1.30`: API versions and in-tree volume plugins it no longer serves are reported, and claims of a class whose provisioner it removed stay Pending. Defaults to the cluster\'s own release with --cluster, else the newest release the tool knows (1.36)' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand plan" -s o -l output -d 'Output format' -r -f -a "text\t'Claims, volumes and findings for people, with source snippets'
json\t'The plan contract (plan.schema.json)'
yaml\t'The same data as json'
github\t'GitHub Actions workflow commands: findings as annotations on the changed files'
junit\t'JUnit XML: a failed test case per finding at --fail-on or above'
sarif\t'SARIF 2.1.0, for GitHub code scanning and other code review tools'"
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand plan" -l fail-on -d 'Exit with code 1 when a finding has this severity or a worse one' -r -f -a "error\t''
warning\t''
info\t''
none\t'Never fail because of findings'"
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand plan" -l config -d 'Settings file to use instead of the nearest `.kubectl-storage.yaml` from the working directory upward' -r -F
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand plan" -l disable -d 'Switch a rule off (repeatable); `kubectl storage rules` lists them' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand plan" -l enable -d 'Switch a rule on again, even if --disable names it (repeatable)' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand plan" -l color -d 'When to use colour in text output' -r -f -a "auto\t'When writing to a terminal and NO_COLOR is not set'
always\t''
never\t''"
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand plan" -s A -l all-namespaces -d 'Read every namespace (a namespace given with -n is then ignored, as by kubectl)'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand plan" -l complete -d 'Take the input as the whole cluster: what it does not show does not exist'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand plan" -l partial -d 'Take the input as a part of a cluster: what it does not show is assumed to exist'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand plan" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand plan" -s V -l version -d 'Print version'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand rules" -s o -l output -d 'Output format' -r -f -a "text\t''
json\t''
markdown\t'The documentation page of every rule (docs/rules.md)'"
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand rules" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand rules" -s V -l version -d 'Print version'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand explain" -s h -l help -d 'Print help'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand explain" -s V -l version -d 'Print version'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand what-if; and not __fish_seen_subcommand_from delete help" -s h -l help -d 'Print help'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand what-if; and not __fish_seen_subcommand_from delete help" -s V -l version -d 'Print version'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand what-if; and not __fish_seen_subcommand_from delete help" -f -a "delete" -d 'Which volumes\' data deleting a namespace, claim, StatefulSet or pod deletes, keeps on a Released volume, or leaves untouched, and why'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand what-if; and not __fish_seen_subcommand_from delete help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand what-if; and __fish_seen_subcommand_from delete" -s f -l filename -d 'Manifests or a cluster dump (`kubectl get pv,pvc,sc,pods,statefulsets -A -o yaml`): files, folders or `-` for standard input. Repeatable' -r -F
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand what-if; and __fish_seen_subcommand_from delete" -l cluster -d 'Read the live cluster; `--cluster=NAME` also picks the kubeconfig cluster' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand what-if; and __fish_seen_subcommand_from delete" -l kubeconfig -d 'Kubeconfig file to use instead of KUBECONFIG or ~/.kube/config' -r -F
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand what-if; and __fish_seen_subcommand_from delete" -l context -d 'Kubeconfig context to use instead of the current one' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand what-if; and __fish_seen_subcommand_from delete" -l user -d 'Kubeconfig user to use instead of the context\'s' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand what-if; and __fish_seen_subcommand_from delete" -s n -l namespace -d 'Namespace to read, and for namespaced objects written without one. Defaults to the context\'s namespace, or `default`' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand what-if; and __fish_seen_subcommand_from delete" -l request-timeout -d 'How long to wait for one request before giving up: `0` (never), or a duration like `30s`, `1m`, `1m30s`; a bare number is seconds' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand what-if; and __fish_seen_subcommand_from delete" -l kubernetes-version -d 'The Kubernetes release to plan for, like `1.30`: API versions and in-tree volume plugins it no longer serves are reported, and claims of a class whose provisioner it removed stay Pending. Defaults to the cluster\'s own release with --cluster, else the newest release the tool knows (1.36)' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand what-if; and __fish_seen_subcommand_from delete" -s o -l output -d 'Output format' -r -f -a "text\t'The claims grouped by what becomes of their data, with the reasons'
json\t'The WhatIf document (apiVersion storage.kubectl.io/v1alpha1)'
yaml\t'The same data as json'"
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand what-if; and __fish_seen_subcommand_from delete" -l color -d 'When to use colour in text output' -r -f -a "auto\t'When writing to a terminal and NO_COLOR is not set'
always\t''
never\t''"
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand what-if; and __fish_seen_subcommand_from delete" -s A -l all-namespaces -d 'Read every namespace (a namespace given with -n is then ignored, as by kubectl)'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand what-if; and __fish_seen_subcommand_from delete" -l complete -d 'Take the input as the whole cluster: what it does not show does not exist'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand what-if; and __fish_seen_subcommand_from delete" -l partial -d 'Take the input as a part of a cluster: what it does not show is assumed to exist'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand what-if; and __fish_seen_subcommand_from delete" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand what-if; and __fish_seen_subcommand_from delete" -s V -l version -d 'Print version'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand what-if; and __fish_seen_subcommand_from help" -f -a "delete" -d 'Which volumes\' data deleting a namespace, claim, StatefulSet or pod deletes, keeps on a Released volume, or leaves untouched, and why'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand what-if; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand diagnose" -l cluster -d 'Read the live cluster; `--cluster=NAME` also picks the kubeconfig cluster' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand diagnose" -l kubeconfig -d 'Kubeconfig file to use instead of KUBECONFIG or ~/.kube/config' -r -F
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand diagnose" -l context -d 'Kubeconfig context to use instead of the current one' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand diagnose" -l user -d 'Kubeconfig user to use instead of the context\'s' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand diagnose" -s n -l namespace -d 'Namespace to read, and for namespaced objects written without one. Defaults to the context\'s namespace, or `default`' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand diagnose" -l request-timeout -d 'How long to wait for one request before giving up: `0` (never), or a duration like `30s`, `1m`, `1m30s`; a bare number is seconds' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand diagnose" -l kubernetes-version -d 'The Kubernetes release to plan for, like `1.30`: API versions and in-tree volume plugins it no longer serves are reported, and claims of a class whose provisioner it removed stay Pending. Defaults to the cluster\'s own release with --cluster, else the newest release the tool knows (1.36)' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand diagnose" -s o -l output -d 'Output format' -r -f -a "text\t'Claims, volumes and findings for people, with source snippets'
json\t'The plan contract (plan.schema.json)'
yaml\t'The same data as json'
github\t'GitHub Actions workflow commands: findings as annotations on the changed files'
junit\t'JUnit XML: a failed test case per finding at --fail-on or above'
sarif\t'SARIF 2.1.0, for GitHub code scanning and other code review tools'"
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand diagnose" -l fail-on -d 'Exit with code 1 when a finding has this severity or a worse one' -r -f -a "error\t''
warning\t''
info\t''
none\t'Never fail because of findings'"
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand diagnose" -l config -d 'Settings file to use instead of the nearest `.kubectl-storage.yaml` from the working directory upward' -r -F
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand diagnose" -l disable -d 'Switch a rule off (repeatable); `kubectl storage rules` lists them' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand diagnose" -l enable -d 'Switch a rule on again, even if --disable names it (repeatable)' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand diagnose" -l color -d 'When to use colour in text output' -r -f -a "auto\t'When writing to a terminal and NO_COLOR is not set'
always\t''
never\t''"
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand diagnose" -s A -l all-namespaces -d 'Read every namespace (a namespace given with -n is then ignored, as by kubectl)'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand diagnose" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand diagnose" -s V -l version -d 'Print version'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand fix" -s f -l filename -d 'Manifests to fix: files, or folders (searched recursively for .yaml, .yml and .json). Repeatable. `-` reads standard input; --write then prints the fixed text' -r -F
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand fix" -l cluster -d 'Read the live cluster; `--cluster=NAME` also picks the kubeconfig cluster' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand fix" -l kubeconfig -d 'Kubeconfig file to use instead of KUBECONFIG or ~/.kube/config' -r -F
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand fix" -l context -d 'Kubeconfig context to use instead of the current one' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand fix" -l user -d 'Kubeconfig user to use instead of the context\'s' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand fix" -s n -l namespace -d 'Namespace to read, and for namespaced objects written without one. Defaults to the context\'s namespace, or `default`' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand fix" -l request-timeout -d 'How long to wait for one request before giving up: `0` (never), or a duration like `30s`, `1m`, `1m30s`; a bare number is seconds' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand fix" -l fail-on -d 'Exit with code 1 when a finding of this severity or a worse one is left after fixing' -r -f -a "error\t''
warning\t''
info\t''
none\t'Never fail because of findings'"
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand fix" -l config -d 'Settings file to use instead of the nearest `.kubectl-storage.yaml` from the working directory upward' -r -F
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand fix" -l disable -d 'Switch a rule off (repeatable); `kubectl storage rules` lists them' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand fix" -l enable -d 'Switch a rule on again, even if --disable names it (repeatable)' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand fix" -l color -d 'When to use colour' -r -f -a "auto\t'When writing to a terminal and NO_COLOR is not set'
always\t''
never\t''"
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand fix" -l diff -d 'Print the changes as a unified diff; write nothing'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand fix" -l write -d 'Write the fixed files, each atomically (a temporary file renamed over it)'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand fix" -l unsafe-fixes -d 'Also apply the fixes rules mark unsafe: they change behaviour (a reclaim policy, a retention policy), so only their owner should take them'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand fix" -s y -l yes -d 'With --cluster: send the patches without asking (otherwise a terminal is asked, and anything else only shows them)'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand fix" -s A -l all-namespaces -d 'Read every namespace (a namespace given with -n is then ignored, as by kubectl)'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand fix" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand fix" -s V -l version -d 'Print version'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand expand" -l to -d 'The new size, as a quantity: 50Gi, 1Ti' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand expand" -l template -d 'For a StatefulSet with several volumeClaimTemplates: the one to grow' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand expand" -s f -l filename -d 'Write the size into manifests instead of a cluster: files, or folders. Repeatable; `-` reads standard input' -r -F
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand expand" -l timeout -d 'How long to follow the resize: a duration like 90s or 10m; 0 follows until it ends' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand expand" -l poll-interval -d 'How often to look at the claims while following (tests shorten it)' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand expand" -l cluster -d 'Read the live cluster; `--cluster=NAME` also picks the kubeconfig cluster' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand expand" -l kubeconfig -d 'Kubeconfig file to use instead of KUBECONFIG or ~/.kube/config' -r -F
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand expand" -l context -d 'Kubeconfig context to use instead of the current one' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand expand" -l user -d 'Kubeconfig user to use instead of the context\'s' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand expand" -s n -l namespace -d 'Namespace to read, and for namespaced objects written without one. Defaults to the context\'s namespace, or `default`' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand expand" -l request-timeout -d 'How long to wait for one request before giving up: `0` (never), or a duration like `30s`, `1m`, `1m30s`; a bare number is seconds' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand expand" -l color -d 'When to use colour' -r -f -a "auto\t'When writing to a terminal and NO_COLOR is not set'
always\t''
never\t''"
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand expand" -l diff -d 'With -f: print the change as a unified diff; write nothing'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand expand" -l write -d 'With -f: write the changed files, each atomically'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand expand" -s y -l yes -d 'Change the cluster without asking (otherwise a terminal is asked, and anything else only shows the changes). Also runs the printed plan that carries a StatefulSet\'s new size into its template'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand expand" -l wait -d 'Follow the resize until the claims have the new size (the default)'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand expand" -l no-wait -d 'Ask for the new size and return; the resize goes on in the cluster'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand expand" -l restart-pods -d 'When the file system waits for a pod to mount the volume again, restart the pods that use the claim, if a Deployment\'s ReplicaSet or a StatefulSet owns them (they are recreated)'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand expand" -s A -l all-namespaces -d 'Read every namespace (a namespace given with -n is then ignored, as by kubectl)'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand expand" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand expand" -s V -l version -d 'Print version'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand rebind" -l to -d 'The claim to give it to: NAMESPACE/CLAIM, or CLAIM in the namespace of -n (or the context\'s). It is created when it does not exist' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand rebind" -l timeout -d 'How long to wait for the claim to be bound: a duration like 90s or 2m; 0 waits until it is' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand rebind" -l poll-interval -d 'How often to look while waiting (tests shorten it)' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand rebind" -l cluster -d 'Read the live cluster; `--cluster=NAME` also picks the kubeconfig cluster' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand rebind" -l kubeconfig -d 'Kubeconfig file to use instead of KUBECONFIG or ~/.kube/config' -r -F
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand rebind" -l context -d 'Kubeconfig context to use instead of the current one' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand rebind" -l user -d 'Kubeconfig user to use instead of the context\'s' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand rebind" -s n -l namespace -d 'Namespace to read, and for namespaced objects written without one. Defaults to the context\'s namespace, or `default`' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand rebind" -l request-timeout -d 'How long to wait for one request before giving up: `0` (never), or a duration like `30s`, `1m`, `1m30s`; a bare number is seconds' -r
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand rebind" -l color -d 'When to use colour' -r -f -a "auto\t'When writing to a terminal and NO_COLOR is not set'
always\t''
never\t''"
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand rebind" -s y -l yes -d 'Make the changes without asking (otherwise a terminal is asked, and anything else only shows them)'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand rebind" -l restore-reclaim-policy -d 'Once bound, put back the reclaim policy the rebind changed to Retain'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand rebind" -l no-wait -d 'Make the changes and return without waiting for the claim to be bound'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand rebind" -s A -l all-namespaces -d 'Read every namespace (a namespace given with -n is then ignored, as by kubectl)'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand rebind" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand rebind" -s V -l version -d 'Print version'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand help; and not __fish_seen_subcommand_from plan rules explain what-if diagnose fix expand rebind help" -f -a "plan" -d 'Predict, claim by claim, which volume each PersistentVolumeClaim binds to, whether one is provisioned, or why it stays Pending; and what happens to each volume'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand help; and not __fish_seen_subcommand_from plan rules explain what-if diagnose fix expand rebind help" -f -a "rules" -d 'List the rules the plan checks'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand help; and not __fish_seen_subcommand_from plan rules explain what-if diagnose fix expand rebind help" -f -a "explain" -d 'Show a rule\'s documentation: why it matters and how to fix it'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand help; and not __fish_seen_subcommand_from plan rules explain what-if diagnose fix expand rebind help" -f -a "what-if" -d 'Predict what deleting a namespace, claim, StatefulSet or pod does to the data of every volume it reaches'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand help; and not __fish_seen_subcommand_from plan rules explain what-if diagnose fix expand rebind help" -f -a "diagnose" -d 'Explain, from a live cluster, why a claim is Pending, why a pod does not start for storage reasons, or where a resize is stuck: one object and what it depends on, or every problem in the namespace'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand help; and not __fish_seen_subcommand_from plan rules explain what-if diagnose fix expand rebind help" -f -a "fix" -d 'Apply the fixes rules declare to manifests: safe ones, and unsafe ones when asked; show them as a diff or write them'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand help; and not __fish_seen_subcommand_from plan rules explain what-if diagnose fix expand rebind help" -f -a "expand" -d 'Grow a claim, or every claim of a StatefulSet, in a cluster: checked first, then followed until the volume and its file system have the new size; or write the size into manifests'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand help; and not __fish_seen_subcommand_from plan rules explain what-if diagnose fix expand rebind help" -f -a "rebind" -d 'Give a volume whose claim is gone to a claim (created when missing), keeping its data: Retain first, every step shown, dry-run, and made with --yes'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand help; and not __fish_seen_subcommand_from plan rules explain what-if diagnose fix expand rebind help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kubectl-storage -n "__fish_kubectl_storage_using_subcommand help; and __fish_seen_subcommand_from what-if" -f -a "delete" -d 'Which volumes\' data deleting a namespace, claim, StatefulSet or pod deletes, keeps on a Released volume, or leaves untouched, and why'
