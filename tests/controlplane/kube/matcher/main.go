// matcher answers, for one claim and the volumes it may bind, which volumes the upstream PV
// controller or the scheduler's volume binding can pick for it, by calling upstream's own
// matching function (k8s.io/component-helpers/storage/volume.FindMatchingVolume) the way each
// of them calls it. kubectl-storage's tests hold the plan to these answers.
//
// Input: one JSON question a line. Output: one JSON answer a line, in the same order.
// Upstream iterates volumes (and, on the controller's path, sets of access modes of the same
// size) in cache order, which is not fixed; so the answer is every volume some order picks,
// with "" for none.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"

	v1 "k8s.io/api/core/v1"
	"k8s.io/component-helpers/storage/volume"
)

type question struct {
	Claim   v1.PersistentVolumeClaim `json:"claim"`
	Volumes []v1.PersistentVolume    `json:"volumes"`
	// The node the scheduler tries (its path), or none (the PV controller's).
	Node *v1.Node `json:"node"`
	// The claim's class waits for a first consumer.
	DelayBinding bool `json:"delayBinding"`
}

type answer struct {
	Volumes []string `json:"volumes"`
	Error   string   `json:"error,omitempty"`
}

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<26)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	for in.Scan() {
		var q question
		var a answer
		if err := json.Unmarshal(in.Bytes(), &q); err != nil {
			a.Error = err.Error()
		} else {
			a.Volumes, a.Error = possible(&q)
		}
		line, _ := json.Marshal(a)
		out.Write(line)
		out.WriteByte('\n')
	}
	if err := in.Err(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// possible lists what the path the question names can pick.
func possible(q *question) ([]string, string) {
	claim := &q.Claim
	var groups [][]*v1.PersistentVolume
	if q.Node != nil {
		// The scheduler's binder passes every volume of the claim's class at once.
		class := volume.GetPersistentVolumeClaimClass(claim)
		var all []*v1.PersistentVolume
		for i := range q.Volumes {
			if volume.GetPersistentVolumeClass(&q.Volumes[i]) == class {
				all = append(all, &q.Volumes[i])
			}
		}
		if len(all) > 0 {
			groups = append(groups, all)
		}
	} else {
		groups = accessModeGroups(claim, q.Volumes)
	}
	picks := map[string]bool{}
	// Groups of the same number of modes come in no fixed order: try each first in turn.
	for _, order := range groupOrders(groups) {
		for name := range walk(claim, order, q.Node, q.DelayBinding) {
			picks[name] = true
		}
	}
	if q.Node != nil {
		// The PV controller syncs the claim when it is created, before its pod: a volume
		// pre-bound to it is bound then, whatever the class's binding mode (and class).
		controller := map[string]bool{}
		for _, order := range groupOrders(accessModeGroups(claim, q.Volumes)) {
			for name := range walk(claim, order, nil, true) {
				controller[name] = true
			}
		}
		if !controller[""] {
			return sorted(controller), ""
		}
		// The scheduler only reserves its pick; the PV controller then looks for the claim's
		// volume on its own path, and binds only what it finds there.
		for name := range controller {
			picks[name] = true
		}
		for name := range picks {
			pv := find(q.Volumes, name)
			if pv != nil && volume.IsVolumeBoundToClaim(pv, claim) && !controller[name] {
				delete(picks, name)
				picks[""] = true
			}
		}
	}
	return sorted(picks), ""
}

func sorted(set map[string]bool) []string {
	names := make([]string, 0, len(set))
	for name := range set {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

func find(volumes []v1.PersistentVolume, name string) *v1.PersistentVolume {
	for i := range volumes {
		if volumes[i].Name == name {
			return &volumes[i]
		}
	}
	return nil
}

// walk searches the groups in order, as the controller's findByClaim does: the first group
// with a match decides. Each group's own answer depends on the order of its volumes.
func walk(claim *v1.PersistentVolumeClaim, groups [][]*v1.PersistentVolume, node *v1.Node, delay bool) map[string]bool {
	picks := map[string]bool{}
	for _, group := range groups {
		answers := groupAnswers(claim, group, node, delay)
		none := answers[""]
		delete(answers, "")
		for name := range answers {
			picks[name] = true
		}
		if !none {
			return picks
		}
	}
	picks[""] = true
	return picks
}

// groupAnswers is what FindMatchingVolume returns for the group in any order of its volumes:
// the first volume pre-bound to the claim it meets (or nothing, if that volume's node affinity
// rules it out), else the smallest volume that passes, any of several of the same size.
func groupAnswers(claim *v1.PersistentVolumeClaim, group []*v1.PersistentVolume, node *v1.Node, delay bool) map[string]bool {
	answers := map[string]bool{}
	passes := func(pv *v1.PersistentVolume, node *v1.Node, delay bool) bool {
		found, err := volume.FindMatchingVolume(claim, []*v1.PersistentVolume{pv}, node, nil, delay, true)
		return err == nil && found != nil
	}
	prebound := false
	for _, pv := range group {
		// Pre-bound and past the checks before node affinity: returned (or nothing) at once.
		if volume.IsVolumeBoundToClaim(pv, claim) && passes(pv, nil, false) {
			prebound = true
			if passes(pv, node, delay) {
				answers[pv.Name] = true
			} else {
				answers[""] = true
			}
		}
	}
	if prebound {
		return answers
	}
	var smallest []*v1.PersistentVolume
	for _, pv := range group {
		if !passes(pv, node, delay) {
			continue
		}
		if len(smallest) == 0 {
			smallest = []*v1.PersistentVolume{pv}
			continue
		}
		size, best := pv.Spec.Capacity[v1.ResourceStorage], smallest[0].Spec.Capacity[v1.ResourceStorage]
		switch size.Cmp(best) {
		case -1:
			smallest = []*v1.PersistentVolume{pv}
		case 0:
			smallest = append(smallest, pv)
		}
	}
	if len(smallest) == 0 {
		answers[""] = true
	}
	for _, pv := range smallest {
		answers[pv.Name] = true
	}
	return answers
}

// accessModeGroups files the volumes by their set of access modes, as the controller's index
// does, and keeps the sets that include every mode the claim asks for, fewest modes first.
func accessModeGroups(claim *v1.PersistentVolumeClaim, volumes []v1.PersistentVolume) [][]*v1.PersistentVolume {
	byModes := map[string][]*v1.PersistentVolume{}
	var keys []string
	for i := range volumes {
		key := modesKey(volumes[i].Spec.AccessModes)
		if _, ok := byModes[key]; !ok {
			keys = append(keys, key)
		}
		byModes[key] = append(byModes[key], &volumes[i])
	}
	var groups [][]*v1.PersistentVolume
	for _, key := range keys {
		if containsAll(byModes[key][0].Spec.AccessModes, claim.Spec.AccessModes) {
			groups = append(groups, byModes[key])
		}
	}
	sort.SliceStable(groups, func(i, j int) bool {
		return len(distinct(groups[i][0].Spec.AccessModes)) < len(distinct(groups[j][0].Spec.AccessModes))
	})
	return groups
}

// groupOrders is every order of the groups that keeps fewer modes first.
func groupOrders(groups [][]*v1.PersistentVolume) [][][]*v1.PersistentVolume {
	orders := [][][]*v1.PersistentVolume{nil}
	for start := 0; start < len(groups); {
		end := start
		size := len(distinct(groups[start][0].Spec.AccessModes))
		for end < len(groups) && len(distinct(groups[end][0].Spec.AccessModes)) == size {
			end++
		}
		var next [][][]*v1.PersistentVolume
		for _, prefix := range orders {
			for _, perm := range permutations(groups[start:end]) {
				order := append(append([][]*v1.PersistentVolume{}, prefix...), perm...)
				next = append(next, order)
			}
		}
		orders = next
		start = end
	}
	return orders
}

func permutations(items [][]*v1.PersistentVolume) [][][]*v1.PersistentVolume {
	if len(items) <= 1 {
		return [][][]*v1.PersistentVolume{items}
	}
	var all [][][]*v1.PersistentVolume
	for i := range items {
		rest := append(append([][]*v1.PersistentVolume{}, items[:i]...), items[i+1:]...)
		for _, perm := range permutations(rest) {
			all = append(all, append([][]*v1.PersistentVolume{items[i]}, perm...))
		}
	}
	return all
}

func distinct(modes []v1.PersistentVolumeAccessMode) map[v1.PersistentVolumeAccessMode]bool {
	set := map[v1.PersistentVolumeAccessMode]bool{}
	for _, m := range modes {
		set[m] = true
	}
	return set
}

func modesKey(modes []v1.PersistentVolumeAccessMode) string {
	var names []string
	for m := range distinct(modes) {
		names = append(names, string(m))
	}
	sort.Strings(names)
	return strings.Join(names, ",")
}

func containsAll(have, want []v1.PersistentVolumeAccessMode) bool {
	set := distinct(have)
	for _, m := range want {
		if !set[m] {
			return false
		}
	}
	return true
}
