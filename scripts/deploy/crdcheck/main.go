// crd-check validates rendered Prometheus Operator objects (ServiceMonitor, PrometheusRule)
// offline: each one is decoded strictly into the operator's own Go types, so an unknown or
// mistyped field fails, and the constraints that the CRD schema would enforce on the fields the
// chart uses (durations, relabel actions, required fields) are checked.
//
// Usage: crd-check MANIFEST.yaml...   (non-monitoring objects are skipped)
package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

// The CRDs' kubebuilder patterns of monitoringv1.Duration and the relabel actions.
var (
	duration       = regexp.MustCompile(`^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$`)
	relabelActions = map[string]bool{"replace": true, "keep": true, "drop": true, "hashmod": true, "labelmap": true,
		"labeldrop": true, "labelkeep": true, "lowercase": true, "uppercase": true, "keepequal": true, "dropequal": true}
)

func checkDuration(field string, d *monitoringv1.Duration) error {
	if d != nil && !duration.MatchString(string(*d)) {
		return fmt.Errorf("%s: %q is not a Prometheus duration", field, *d)
	}
	return nil
}

func checkServiceMonitor(doc []byte) error {
	var sm monitoringv1.ServiceMonitor
	if err := yaml.UnmarshalStrict(doc, &sm); err != nil {
		return err
	}
	var errs []error
	if len(sm.Spec.Selector.MatchLabels) == 0 && len(sm.Spec.Selector.MatchExpressions) == 0 {
		errs = append(errs, errors.New("spec.selector selects every Service"))
	}
	if len(sm.Spec.Endpoints) == 0 {
		errs = append(errs, errors.New("spec.endpoints is empty"))
	}
	for i, ep := range sm.Spec.Endpoints {
		if ep.Port == "" && ep.TargetPort == nil {
			errs = append(errs, fmt.Errorf("spec.endpoints[%d]: neither port nor targetPort", i))
		}
		d := ep.Interval
		errs = append(errs, checkDuration(fmt.Sprintf("spec.endpoints[%d].interval", i), &d))
		t := ep.ScrapeTimeout
		errs = append(errs, checkDuration(fmt.Sprintf("spec.endpoints[%d].scrapeTimeout", i), &t))
		for j, rc := range append(ep.RelabelConfigs, ep.MetricRelabelConfigs...) {
			if rc.Action != "" && !relabelActions[strings.ToLower(rc.Action)] {
				errs = append(errs, fmt.Errorf("spec.endpoints[%d] relabeling %d: unknown action %q", i, j, rc.Action))
			}
		}
	}
	return errors.Join(errs...)
}

func checkPrometheusRule(doc []byte) error {
	var pr monitoringv1.PrometheusRule
	if err := yaml.UnmarshalStrict(doc, &pr); err != nil {
		return err
	}
	var errs []error
	if len(pr.Spec.Groups) == 0 {
		errs = append(errs, errors.New("spec.groups is empty"))
	}
	for _, g := range pr.Spec.Groups {
		if g.Name == "" || len(g.Rules) == 0 {
			errs = append(errs, fmt.Errorf("group %q: a name and rules are required", g.Name))
		}
		for _, r := range g.Rules {
			if (r.Alert == "") == (r.Record == "") {
				errs = append(errs, fmt.Errorf("group %q: a rule needs exactly one of alert and record", g.Name))
			}
			if r.Expr.String() == "" {
				errs = append(errs, fmt.Errorf("group %q rule %q: expr is empty", g.Name, r.Alert+r.Record))
			}
			errs = append(errs, checkDuration(fmt.Sprintf("rule %q for", r.Alert+r.Record), r.For))
		}
	}
	return errors.Join(errs...)
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: crd-check MANIFEST.yaml...")
		os.Exit(2)
	}
	failed, checked := false, 0
	for _, path := range os.Args[1:] {
		f, err := os.Open(path)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		reader := utilyaml.NewYAMLReader(bufio.NewReader(f))
		for {
			doc, err := reader.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				fmt.Fprintf(os.Stderr, "%s: %v\n", path, err)
				os.Exit(2)
			}
			if len(bytes.TrimSpace(doc)) == 0 {
				continue
			}
			var meta struct {
				metav1.TypeMeta   `json:",inline"`
				metav1.ObjectMeta `json:"metadata"`
			}
			if err := yaml.Unmarshal(doc, &meta); err != nil {
				fmt.Fprintf(os.Stderr, "%s: %v\n", path, err)
				os.Exit(2)
			}
			if meta.APIVersion != "monitoring.coreos.com/v1" {
				continue
			}
			switch meta.Kind {
			case "ServiceMonitor":
				err = checkServiceMonitor(doc)
			case "PrometheusRule":
				err = checkPrometheusRule(doc)
			default:
				err = fmt.Errorf("no check for kind %s", meta.Kind)
			}
			checked++
			if err != nil {
				failed = true
				fmt.Printf("%s - %s %s is invalid: %v\n", path, meta.Kind, meta.Name, err)
			} else {
				fmt.Printf("%s - %s %s is valid\n", path, meta.Kind, meta.Name)
			}
		}
		f.Close()
	}
	if failed {
		os.Exit(1)
	}
	if checked == 0 {
		fmt.Println("no monitoring.coreos.com/v1 objects found")
	}
}
