package apis

import (
	"net/url"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/conversion"
	"k8s.io/apimachinery/pkg/runtime"
)

// ParameterCodec decodes the query parameters of requests into option
// objects: the meta/v1 options, and the core/v1 options of the log, exec,
// attach, portforward and proxy subresources (kube-apiserver's
// legacyscheme.ParameterCodec).
var ParameterCodec = runtime.NewParameterCodec(Scheme)

// The url.Values conversions of the core/v1 subresource options, field by
// field from the query parameter named by the JSON name, as upstream's
// generated ones: a missing parameter leaves the zero value.
func init() {
	add := func(to interface{}, f func(q query, out interface{}) error) {
		err := Scheme.AddConversionFunc((*url.Values)(nil), to, func(a, b interface{}, _ conversion.Scope) error {
			return f(query(*a.(*url.Values)), b)
		})
		if err != nil {
			panic(err)
		}
	}
	add((*corev1.PodLogOptions)(nil), func(q query, o interface{}) error {
		out := o.(*corev1.PodLogOptions)
		*out = corev1.PodLogOptions{
			Container:                    q.str("container"),
			Follow:                       q.bool("follow"),
			Previous:                     q.bool("previous"),
			Timestamps:                   q.bool("timestamps"),
			InsecureSkipTLSVerifyBackend: q.bool("insecureSkipTLSVerifyBackend"),
		}
		var err error
		if out.SinceSeconds, err = q.int64("sinceSeconds"); err != nil {
			return err
		}
		if out.TailLines, err = q.int64("tailLines"); err != nil {
			return err
		}
		if out.LimitBytes, err = q.int64("limitBytes"); err != nil {
			return err
		}
		if v, ok := q["sinceTime"]; ok && len(v) > 0 {
			if err := metav1.Convert_Slice_string_To_Pointer_v1_Time(&v, &out.SinceTime, nil); err != nil {
				return err
			}
		}
		if v, ok := q["stream"]; ok && len(v) > 0 {
			s := v[0]
			out.Stream = &s
		}
		return nil
	})
	add((*corev1.PodExecOptions)(nil), func(q query, o interface{}) error {
		*o.(*corev1.PodExecOptions) = corev1.PodExecOptions{
			Stdin: q.bool("stdin"), Stdout: q.bool("stdout"), Stderr: q.bool("stderr"), TTY: q.bool("tty"),
			Container: q.str("container"), Command: q.list("command"),
		}
		return nil
	})
	add((*corev1.PodAttachOptions)(nil), func(q query, o interface{}) error {
		*o.(*corev1.PodAttachOptions) = corev1.PodAttachOptions{
			Stdin: q.bool("stdin"), Stdout: q.bool("stdout"), Stderr: q.bool("stderr"), TTY: q.bool("tty"),
			Container: q.str("container"),
		}
		return nil
	})
	add((*corev1.PodPortForwardOptions)(nil), func(q query, o interface{}) error {
		out := o.(*corev1.PodPortForwardOptions)
		*out = corev1.PodPortForwardOptions{}
		if v, ok := q["ports"]; ok && len(v) > 0 {
			return metav1.Convert_Slice_string_To_Slice_int32(&v, &out.Ports, nil)
		}
		return nil
	})
	add((*corev1.PodProxyOptions)(nil), func(q query, o interface{}) error {
		*o.(*corev1.PodProxyOptions) = corev1.PodProxyOptions{Path: q.str("path")}
		return nil
	})
	add((*corev1.NodeProxyOptions)(nil), func(q query, o interface{}) error {
		*o.(*corev1.NodeProxyOptions) = corev1.NodeProxyOptions{Path: q.str("path")}
		return nil
	})
	add((*corev1.ServiceProxyOptions)(nil), func(q query, o interface{}) error {
		*o.(*corev1.ServiceProxyOptions) = corev1.ServiceProxyOptions{Path: q.str("path")}
		return nil
	})
}

type query url.Values

func (q query) list(k string) []string {
	if v, ok := q[k]; ok && len(v) > 0 {
		return append([]string(nil), v...)
	}
	return nil
}

func (q query) str(k string) string {
	var s string
	if v := q.list(k); v != nil {
		_ = runtime.Convert_Slice_string_To_string(&v, &s, nil)
	}
	return s
}

func (q query) bool(k string) bool {
	var b bool
	if v := q.list(k); v != nil {
		_ = runtime.Convert_Slice_string_To_bool(&v, &b, nil)
	}
	return b
}

func (q query) int64(k string) (*int64, error) {
	var n *int64
	if v := q.list(k); v != nil {
		if err := runtime.Convert_Slice_string_To_Pointer_int64(&v, &n, nil); err != nil {
			return nil, err
		}
	}
	return n, nil
}
