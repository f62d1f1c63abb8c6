package apis

import (
	"net/url"
	"reflect"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

// The query of kubectl's requests decodes into the core/v1 options as
// upstream's generated conversions do.
func TestParameterCodecCoreOptions(t *testing.T) {
	q, _ := url.ParseQuery("container=app&follow=true&previous=0&tailLines=10&limitBytes=5&sinceTime=2026-01-02T03:04:05Z&timestamps=1")
	var logs corev1.PodLogOptions
	if err := ParameterCodec.DecodeParameters(q, corev1.SchemeGroupVersion, &logs); err != nil {
		t.Fatal(err)
	}
	since := metav1.NewTime(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	want := corev1.PodLogOptions{Container: "app", Follow: true, TailLines: ptr.To[int64](10), LimitBytes: ptr.To[int64](5), SinceTime: &since, Timestamps: true}
	if !equality.Semantic.DeepEqual(logs, want) {
		t.Errorf("log options %+v, want %+v", logs, want)
	}
	q, _ = url.ParseQuery("tailLines=ten")
	if err := ParameterCodec.DecodeParameters(q, corev1.SchemeGroupVersion, &corev1.PodLogOptions{}); err == nil {
		t.Error("tailLines=ten decoded")
	}

	q, _ = url.ParseQuery("command=sh&command=-c&command=echo+hi&stdin=true&stdout=true&tty=true&container=c")
	var exec corev1.PodExecOptions
	if err := ParameterCodec.DecodeParameters(q, corev1.SchemeGroupVersion, &exec); err != nil {
		t.Fatal(err)
	}
	if want := (corev1.PodExecOptions{Command: []string{"sh", "-c", "echo hi"}, Stdin: true, Stdout: true, TTY: true, Container: "c"}); !reflect.DeepEqual(exec, want) {
		t.Errorf("exec options %+v", exec)
	}

	q, _ = url.ParseQuery("ports=80,443&ports=8080")
	var pf corev1.PodPortForwardOptions
	if err := ParameterCodec.DecodeParameters(q, corev1.SchemeGroupVersion, &pf); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(pf.Ports, []int32{80, 443, 8080}) {
		t.Errorf("ports %v", pf.Ports)
	}

	q, _ = url.ParseQuery("path=/metrics")
	var np corev1.NodeProxyOptions
	if err := ParameterCodec.DecodeParameters(q, corev1.SchemeGroupVersion, &np); err != nil || np.Path != "/metrics" {
		t.Errorf("node proxy path %q, %v", np.Path, err)
	}

	// meta/v1 options still decode.
	q, _ = url.ParseQuery("resourceVersion=5")
	var get metav1.GetOptions
	if err := ParameterCodec.DecodeParameters(q, corev1.SchemeGroupVersion, &get); err != nil || get.ResourceVersion != "5" {
		t.Errorf("get options %+v, %v", get, err)
	}
}
