package volumes

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	ktypes "k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
)

func ptr[T any](v T) *T { return &v }

func testPod(vols ...v1.Volume) *v1.Pod {
	return &v1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "web", UID: "pod-uid-1",
			Labels: map[string]string{"app": "web", "tier": "front"}, Annotations: map[string]string{"team": "a"}},
		Spec: v1.PodSpec{
			ServiceAccountName: "builder",
			Containers: []v1.Container{{Name: "app", Resources: v1.ResourceRequirements{
				Requests: v1.ResourceList{v1.ResourceCPU: resource.MustParse("250m")},
				Limits:   v1.ResourceList{v1.ResourceMemory: resource.MustParse("64Mi")},
			}}},
			Volumes: vols,
		},
	}
}

type tokenCall struct {
	sa  string
	req *authenticationv1.TokenRequest
}

// newManager returns a manager over a fake clientset whose TokenRequest
// reactor hands out numbered tokens and records each request.
func newManager(t *testing.T, objs ...runtime.Object) (*Manager, *fake.Clientset, *[]tokenCall) {
	t.Helper()
	client := fake.NewSimpleClientset(objs...)
	var calls []tokenCall
	client.PrependReactor("create", "serviceaccounts", func(a k8stesting.Action) (bool, runtime.Object, error) {
		ca := a.(k8stesting.CreateActionImpl)
		if ca.GetSubresource() != "token" {
			return false, nil, nil
		}
		tr := ca.GetObject().(*authenticationv1.TokenRequest).DeepCopy()
		calls = append(calls, tokenCall{sa: ca.Name, req: tr.DeepCopy()})
		tr.Status.Token = "token-" + string(rune('0'+len(calls)))
		tr.Status.ExpirationTimestamp = metav1.NewTime(time.Now().Add(time.Duration(*tr.Spec.ExpirationSeconds) * time.Second))
		return true, tr, nil
	})
	m := &Manager{Client: client, PodsDir: filepath.Join(t.TempDir(), "pods"), NodeName: "node1",
		Allocatable: v1.ResourceList{v1.ResourceCPU: resource.MustParse("4"), v1.ResourceMemory: resource.MustParse("2Gi")}}
	t.Cleanup(func() {
		if err := m.Teardown("pod-uid-1"); err != nil {
			t.Errorf("teardown: %v", err)
		}
	})
	return m, client, &calls
}

// listVolume returns "path mode [-> link]" for every entry the container
// would see, skipping the writer's "..*" bookkeeping.
func listVolume(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	data := filepath.Join(dir, "..data")
	err := filepath.Walk(data+"/", func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if info.Mode().IsRegular() {
			rel, _ := filepath.Rel(data, p)
			b, _ := os.ReadFile(p)
			out[rel] = info.Mode().Perm().String() + " " + string(b)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Every top-level entry must be reachable through a visible symlink.
	for rel := range out {
		top, _, _ := strings.Cut(rel, "/")
		target, err := os.Readlink(filepath.Join(dir, top))
		if err != nil || target != filepath.Join("..data", top) {
			t.Errorf("%s: visible link = %q, %v", top, target, err)
		}
	}
	return out
}

func keys(m map[string]string) []string {
	var k []string
	for x := range m {
		k = append(k, x)
	}
	sort.Strings(k)
	return k
}

func isTmpfs(t *testing.T, dir string) bool {
	ok, err := isTmpfsMount(dir)
	if err != nil {
		t.Fatal(err)
	}
	return ok
}

func TestAPIVolumes(t *testing.T) {
	objs := []runtime.Object{
		&v1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "cfg"},
			Data: map[string]string{"app.conf": "x=1", "other": "o"}, BinaryData: map[string][]byte{"bin": {0, 1}}},
		&v1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "kube-root-ca.crt"}, Data: map[string]string{"ca.crt": "CA"}},
		&v1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "sec"}, Data: map[string][]byte{"user": []byte("admin"), "pass": []byte("pw")}},
	}
	for _, tc := range []struct {
		name      string
		vol       v1.VolumeSource
		plugin    string
		want      map[string]string
		wantTmpfs bool
		wantErr   string
	}{
		{
			name:   "configMap all keys default mode",
			vol:    v1.VolumeSource{ConfigMap: &v1.ConfigMapVolumeSource{LocalObjectReference: v1.LocalObjectReference{Name: "cfg"}}},
			plugin: "kubernetes.io~configmap",
			want:   map[string]string{"app.conf": "-rw-r--r-- x=1", "other": "-rw-r--r-- o", "bin": "-rw-r--r-- \x00\x01"},
		},
		{
			name: "configMap items with modes and nested path",
			vol: v1.VolumeSource{ConfigMap: &v1.ConfigMapVolumeSource{LocalObjectReference: v1.LocalObjectReference{Name: "cfg"},
				DefaultMode: ptr(int32(0o600)),
				Items:       []v1.KeyToPath{{Key: "app.conf", Path: "etc/app/app.conf"}, {Key: "other", Path: "o.txt", Mode: ptr(int32(0o755))}}}},
			plugin: "kubernetes.io~configmap",
			want:   map[string]string{"etc/app/app.conf": "-rw------- x=1", "o.txt": "-rwxr-xr-x o"},
		},
		{
			name:    "configMap missing",
			vol:     v1.VolumeSource{ConfigMap: &v1.ConfigMapVolumeSource{LocalObjectReference: v1.LocalObjectReference{Name: "y"}}},
			wantErr: `MountVolume.SetUp failed for volume "v" : configmap "y" not found`,
		},
		{
			name:   "configMap optional missing gives empty volume",
			vol:    v1.VolumeSource{ConfigMap: &v1.ConfigMapVolumeSource{LocalObjectReference: v1.LocalObjectReference{Name: "y"}, Optional: ptr(true)}},
			plugin: "kubernetes.io~configmap",
			want:   map[string]string{},
		},
		{
			name: "configMap missing key",
			vol: v1.VolumeSource{ConfigMap: &v1.ConfigMapVolumeSource{LocalObjectReference: v1.LocalObjectReference{Name: "cfg"},
				Items: []v1.KeyToPath{{Key: "nope", Path: "n"}}}},
			wantErr: `MountVolume.SetUp failed for volume "v" : configmap references non-existent config key: nope`,
		},
		{
			name:      "secret default mode on tmpfs",
			vol:       v1.VolumeSource{Secret: &v1.SecretVolumeSource{SecretName: "sec"}},
			plugin:    "kubernetes.io~secret",
			want:      map[string]string{"user": "-rw-r--r-- admin", "pass": "-rw-r--r-- pw"},
			wantTmpfs: true,
		},
		{
			name: "secret items defaultMode 0400",
			vol: v1.VolumeSource{Secret: &v1.SecretVolumeSource{SecretName: "sec", DefaultMode: ptr(int32(0o400)),
				Items: []v1.KeyToPath{{Key: "pass", Path: "creds/password"}}}},
			plugin:    "kubernetes.io~secret",
			want:      map[string]string{"creds/password": "-r-------- pw"},
			wantTmpfs: true,
		},
		{
			name:    "secret missing",
			vol:     v1.VolumeSource{Secret: &v1.SecretVolumeSource{SecretName: "nope"}},
			wantErr: `MountVolume.SetUp failed for volume "v" : secret "nope" not found`,
		},
		{
			name:    "secret missing key",
			vol:     v1.VolumeSource{Secret: &v1.SecretVolumeSource{SecretName: "sec", Items: []v1.KeyToPath{{Key: "k", Path: "k"}}}},
			wantErr: `MountVolume.SetUp failed for volume "v" : references non-existent secret key: k`,
		},
		{
			name: "downwardAPI",
			vol: v1.VolumeSource{DownwardAPI: &v1.DownwardAPIVolumeSource{Items: []v1.DownwardAPIVolumeFile{
				{Path: "name", FieldRef: &v1.ObjectFieldSelector{APIVersion: "v1", FieldPath: "metadata.name"}},
				{Path: "ns", FieldRef: &v1.ObjectFieldSelector{FieldPath: "metadata.namespace"}},
				{Path: "uid", FieldRef: &v1.ObjectFieldSelector{FieldPath: "metadata.uid"}},
				{Path: "labels", FieldRef: &v1.ObjectFieldSelector{FieldPath: "metadata.labels"}},
				{Path: "annotations", FieldRef: &v1.ObjectFieldSelector{FieldPath: "metadata.annotations"}, Mode: ptr(int32(0o400))},
				{Path: "mem_limit_mi", ResourceFieldRef: &v1.ResourceFieldSelector{ContainerName: "app", Resource: "limits.memory", Divisor: resource.MustParse("1Mi")}},
				{Path: "cpu_limit", ResourceFieldRef: &v1.ResourceFieldSelector{ContainerName: "app", Resource: "limits.cpu"}},
				{Path: "cpu_request_m", ResourceFieldRef: &v1.ResourceFieldSelector{ContainerName: "app", Resource: "requests.cpu", Divisor: resource.MustParse("1m")}},
			}}},
			plugin: "kubernetes.io~downward-api",
			want: map[string]string{
				"name": "-rw-r--r-- web", "ns": "-rw-r--r-- ns", "uid": "-rw-r--r-- pod-uid-1",
				"labels": "-rw-r--r-- app=\"web\"\ntier=\"front\"", "annotations": "-r-------- team=\"a\"",
				"mem_limit_mi": "-rw-r--r-- 64", "cpu_limit": "-rw-r--r-- 4", "cpu_request_m": "-rw-r--r-- 250",
			},
			wantTmpfs: true,
		},
		{
			name: "kube-api-access projected volume",
			vol: v1.VolumeSource{Projected: &v1.ProjectedVolumeSource{DefaultMode: ptr(int32(0o644)), Sources: []v1.VolumeProjection{
				{ServiceAccountToken: &v1.ServiceAccountTokenProjection{Path: "token", ExpirationSeconds: ptr(int64(3607))}},
				{ConfigMap: &v1.ConfigMapProjection{LocalObjectReference: v1.LocalObjectReference{Name: "kube-root-ca.crt"}, Items: []v1.KeyToPath{{Key: "ca.crt", Path: "ca.crt"}}}},
				{DownwardAPI: &v1.DownwardAPIProjection{Items: []v1.DownwardAPIVolumeFile{{Path: "namespace", FieldRef: &v1.ObjectFieldSelector{APIVersion: "v1", FieldPath: "metadata.namespace"}}}}},
			}}},
			plugin:    "kubernetes.io~projected",
			want:      map[string]string{"token": "-rw-r--r-- token-1", "ca.crt": "-rw-r--r-- CA", "namespace": "-rw-r--r-- ns"},
			wantTmpfs: true,
		},
		{
			name: "projected aggregates errors",
			vol: v1.VolumeSource{Projected: &v1.ProjectedVolumeSource{Sources: []v1.VolumeProjection{
				{ConfigMap: &v1.ConfigMapProjection{LocalObjectReference: v1.LocalObjectReference{Name: "a"}}},
				{Secret: &v1.SecretProjection{LocalObjectReference: v1.LocalObjectReference{Name: "b"}}},
				{Secret: &v1.SecretProjection{LocalObjectReference: v1.LocalObjectReference{Name: "c"}, Optional: ptr(true)}},
			}}},
			wantErr: `MountVolume.SetUp failed for volume "v" : [configmap "a" not found, secret "b" not found]`,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, _, calls := newManager(t, objs...)
			pod := testPod(v1.Volume{Name: "v", VolumeSource: tc.vol})
			mounts, err := m.Setup(context.Background(), pod)
			if tc.wantErr != "" {
				var ve *VolumeError
				if err == nil || err.Error() != tc.wantErr || !errors.As(err, &ve) || ve.Volume != "v" {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			dir := filepath.Join(m.PodsDir, "pod-uid-1", "volumes", tc.plugin, "v")
			if mounts["v"].HostPath != dir || !mounts["v"].ReadOnly {
				t.Fatalf("mount = %+v, want %s read-only", mounts["v"], dir)
			}
			got := listVolume(t, dir)
			if strings.Join(keys(got), ",") != strings.Join(keys(tc.want), ",") {
				t.Fatalf("files %v, want %v", keys(got), keys(tc.want))
			}
			for k, v := range tc.want {
				if got[k] != v {
					t.Errorf("%s: %q, want %q", k, got[k], v)
				}
			}
			if isTmpfs(t, dir) != tc.wantTmpfs {
				t.Errorf("tmpfs = %v, want %v", !tc.wantTmpfs, tc.wantTmpfs)
			}
			if tc.vol.Projected != nil {
				if len(*calls) != 1 {
					t.Fatalf("token requests: %d", len(*calls))
				}
				c := (*calls)[0]
				ref := c.req.Spec.BoundObjectRef
				if c.sa != "builder" || ref == nil || ref.Kind != "Pod" || ref.APIVersion != "v1" || ref.Name != "web" || ref.UID != "pod-uid-1" || *c.req.Spec.ExpirationSeconds != 3607 || len(c.req.Spec.Audiences) != 0 {
					t.Errorf("token request = %s %+v", c.sa, c.req.Spec)
				}
			}
		})
	}
}

func TestRefreshIsAtomic(t *testing.T) {
	cm := &v1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "cfg"}, Data: map[string]string{"a": "1", "b": "2"}}
	m, client, _ := newManager(t, cm)
	pod := testPod(v1.Volume{Name: "v", VolumeSource: v1.VolumeSource{ConfigMap: &v1.ConfigMapVolumeSource{LocalObjectReference: v1.LocalObjectReference{Name: "cfg"}}}})
	ctx := context.Background()
	if _, err := m.Setup(ctx, pod); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(m.PodsDir, "pod-uid-1", "volumes", "kubernetes.io~configmap", "v")
	before, _ := os.Readlink(filepath.Join(dir, "..data"))

	// No change: the ..data target stays put.
	if err := m.Refresh(ctx, pod); err != nil {
		t.Fatal(err)
	}
	if same, _ := os.Readlink(filepath.Join(dir, "..data")); same != before {
		t.Fatalf("unchanged payload rewrote ..data: %s -> %s", before, same)
	}

	cm.Data = map[string]string{"a": "one", "c": "3"}
	if _, err := client.CoreV1().ConfigMaps("ns").Update(ctx, cm, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := m.Refresh(ctx, pod); err != nil {
		t.Fatal(err)
	}
	after, _ := os.Readlink(filepath.Join(dir, "..data"))
	if after == before || !strings.HasPrefix(after, "..20") {
		t.Fatalf("..data %q -> %q", before, after)
	}
	if _, err := os.Stat(filepath.Join(dir, before)); !os.IsNotExist(err) {
		t.Errorf("old timestamp dir still present: %v", err)
	}
	if _, err := os.Lstat(filepath.Join(dir, "b")); !os.IsNotExist(err) {
		t.Errorf("removed key b still visible: %v", err)
	}
	for k, want := range map[string]string{"a": "one", "c": "3"} {
		b, err := os.ReadFile(filepath.Join(dir, k))
		if err != nil || string(b) != want {
			t.Errorf("%s = %q, %v; want %q", k, b, err, want)
		}
	}
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if len(names) != 4 { // ..<ts>, ..data, a, c
		t.Errorf("volume dir entries: %v", names)
	}
}

func TestTokenRefresh(t *testing.T) {
	m, _, calls := newManager(t)
	now := time.Now()
	m.Now = func() time.Time { return now }
	pod := testPod(v1.Volume{Name: "tok", VolumeSource: v1.VolumeSource{Projected: &v1.ProjectedVolumeSource{Sources: []v1.VolumeProjection{
		{ServiceAccountToken: &v1.ServiceAccountTokenProjection{Path: "token", Audience: "vault", ExpirationSeconds: ptr(int64(600))}},
	}}}})
	ctx := context.Background()
	if _, err := m.Setup(ctx, pod); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(m.PodsDir, "pod-uid-1", "volumes", "kubernetes.io~projected", "tok", "token")
	read := func() string { b, _ := os.ReadFile(path); return string(b) }
	if read() != "token-1" || (*calls)[0].req.Spec.Audiences[0] != "vault" {
		t.Fatalf("token %q, request %+v", read(), (*calls)[0].req.Spec)
	}
	now = now.Add(5 * time.Minute) // 50% of lifetime: keep
	if err := m.Refresh(ctx, pod); err != nil || read() != "token-1" || len(*calls) != 1 {
		t.Fatalf("early refresh: %v %q %d", err, read(), len(*calls))
	}
	now = now.Add(4 * time.Minute) // 90%: rotate
	if err := m.Refresh(ctx, pod); err != nil || read() != "token-2" {
		t.Fatalf("late refresh: %v %q", err, read())
	}
}

func TestEmptyDir(t *testing.T) {
	m, _, _ := newManager(t)
	pod := testPod(
		v1.Volume{Name: "disk", VolumeSource: v1.VolumeSource{EmptyDir: &v1.EmptyDirVolumeSource{}}},
		v1.Volume{Name: "mem", VolumeSource: v1.VolumeSource{EmptyDir: &v1.EmptyDirVolumeSource{Medium: v1.StorageMediumMemory, SizeLimit: ptr(resource.MustParse("1Mi"))}}},
		v1.Volume{Name: "mem-podlimit", VolumeSource: v1.VolumeSource{EmptyDir: &v1.EmptyDirVolumeSource{Medium: v1.StorageMediumMemory}}},
	)
	mounts, err := m.Setup(context.Background(), pod)
	if err != nil {
		t.Fatal(err)
	}
	base := filepath.Join(m.PodsDir, "pod-uid-1", "volumes", "kubernetes.io~empty-dir")
	disk := mounts["disk"]
	if disk.HostPath != filepath.Join(base, "disk") || disk.ReadOnly {
		t.Fatalf("disk mount %+v", disk)
	}
	if st, err := os.Stat(disk.HostPath); err != nil || st.Mode().Perm() != 0o777 {
		t.Fatalf("disk dir mode %v %v", st.Mode(), err)
	}
	if isTmpfs(t, disk.HostPath) {
		t.Error("default medium should not be tmpfs")
	}
	os.WriteFile(filepath.Join(disk.HostPath, "keep"), []byte("x"), 0o644)

	sizes := map[string]string{"mem": "size=1024k", "mem-podlimit": "size=65536k"} // sizeLimit; pod memory limit 64Mi
	for name, opt := range sizes {
		dir := mounts[name].HostPath
		if !isTmpfs(t, dir) {
			t.Fatalf("%s not tmpfs", name)
		}
		info, _ := os.ReadFile("/proc/self/mountinfo")
		var line string
		for _, l := range strings.Split(string(info), "\n") {
			if f := strings.Fields(l); len(f) > 4 && f[4] == dir {
				line = l
			}
		}
		if !strings.Contains(line, opt) {
			t.Errorf("%s mountinfo %q lacks %s", name, line, opt)
		}
	}

	// Setup again (every sync): contents survive, no second tmpfs stacked.
	if _, err := m.Setup(context.Background(), pod); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(disk.HostPath, "keep")); err != nil {
		t.Error("emptyDir contents lost on second Setup")
	}
	if st, err := os.Stat(mounts["mem"].HostPath); err != nil || st.Mode()&(os.ModePerm|os.ModeSticky) != os.ModeSticky|0o777 {
		t.Errorf("tmpfs root mode %v, want sticky 0777 like upstream", st.Mode())
	}
	if mps, _ := mountsUnder(mounts["mem"].HostPath); len(mps) != 1 {
		t.Errorf("mounts under mem: %v", mps)
	}

	if err := m.Teardown("pod-uid-1"); err != nil {
		t.Fatal(err)
	}
	if mps, _ := mountsUnder(filepath.Join(m.PodsDir, "pod-uid-1")); len(mps) != 0 {
		t.Errorf("left mounted: %v", mps)
	}
	if _, err := os.Stat(filepath.Join(m.PodsDir, "pod-uid-1")); !os.IsNotExist(err) {
		t.Errorf("pod dir remains: %v", err)
	}
}

func TestHostPath(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "dir")
	os.Mkdir(dir, 0o700)
	regular := filepath.Join(root, "file")
	os.WriteFile(regular, nil, 0o600)
	sock := filepath.Join(root, "s.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	missing := filepath.Join(root, "missing")

	ty := func(s v1.HostPathType) *v1.HostPathType { return &s }
	for _, tc := range []struct {
		name    string
		path    string
		typ     *v1.HostPathType
		wantErr string
		check   func(t *testing.T)
	}{
		{name: "unset type does not check", path: missing},
		{name: "empty type does not check", path: missing, typ: ty("")},
		{name: "directory ok", path: dir, typ: ty(v1.HostPathDirectory)},
		{name: "directory is a file", path: regular, typ: ty(v1.HostPathDirectory),
			wantErr: "hostPath type check failed: " + regular + " is not a directory, it's a File"},
		{name: "directory missing", path: missing, typ: ty(v1.HostPathDirectory),
			wantErr: "hostPath type check failed, " + missing + " is not a directory, unable to determine its type: path \"" + missing + "\" does not exist"},
		{name: "DirectoryOrCreate creates 0755", path: filepath.Join(root, "new/sub"), typ: ty(v1.HostPathDirectoryOrCreate),
			check: func(t *testing.T) {
				if st, err := os.Stat(filepath.Join(root, "new/sub")); err != nil || !st.IsDir() || st.Mode().Perm() != 0o755 {
					t.Errorf("created dir: %v %v", st, err)
				}
			}},
		{name: "DirectoryOrCreate on a file", path: regular, typ: ty(v1.HostPathDirectoryOrCreate),
			wantErr: "hostPath type check failed: " + regular + " is not a directory, it's a File"},
		{name: "file ok", path: regular, typ: ty(v1.HostPathFile)},
		{name: "file is a directory", path: dir, typ: ty(v1.HostPathFile),
			wantErr: "hostPath type check failed: " + dir + " is not a file, it's a Directory"},
		{name: "FileOrCreate creates 0644", path: filepath.Join(root, "newfile"), typ: ty(v1.HostPathFileOrCreate),
			check: func(t *testing.T) {
				if st, err := os.Stat(filepath.Join(root, "newfile")); err != nil || !st.Mode().IsRegular() || st.Mode().Perm() != 0o644 {
					t.Errorf("created file: %v %v", st, err)
				}
			}},
		{name: "socket ok", path: sock, typ: ty(v1.HostPathSocket)},
		{name: "socket is a dir", path: dir, typ: ty(v1.HostPathSocket),
			wantErr: "hostPath type check failed: " + dir + " is not a socket file, it's a Directory"},
		{name: "char device ok", path: "/dev/null", typ: ty(v1.HostPathCharDev)},
		{name: "block device is a char device", path: "/dev/null", typ: ty(v1.HostPathBlockDev),
			wantErr: "hostPath type check failed: /dev/null is not a block device, it's a CharDevice"},
		{name: "char device is a file", path: regular, typ: ty(v1.HostPathCharDev),
			wantErr: "hostPath type check failed: " + regular + " is not a character device, it's a File"},
		{name: "invalid type", path: dir, typ: ty("Bogus"), wantErr: "Bogus is an invalid volume type"},
		{name: "backsteps", path: root + "/../etc", wantErr: "invalid HostPath `" + root + "/../etc`: must not contain '..'"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, _, _ := newManager(t)
			pod := testPod(v1.Volume{Name: "hp", VolumeSource: v1.VolumeSource{HostPath: &v1.HostPathVolumeSource{Path: tc.path, Type: tc.typ}}})
			mounts, err := m.Setup(context.Background(), pod)
			if tc.wantErr != "" {
				want := `MountVolume.SetUp failed for volume "hp" : ` + tc.wantErr
				if err == nil || err.Error() != want {
					t.Fatalf("err = %v\nwant  %s", err, want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if mounts["hp"].HostPath != tc.path {
				t.Errorf("mount %+v", mounts["hp"])
			}
			if tc.check != nil {
				tc.check(t)
			}
		})
	}
}

func TestPVC(t *testing.T) {
	local := t.TempDir()
	hp := t.TempDir()
	claim := func(name, pv string) *v1.PersistentVolumeClaim {
		return &v1.PersistentVolumeClaim{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: name, UID: claimUID(name)},
			Spec: v1.PersistentVolumeClaimSpec{VolumeName: pv}, Status: v1.PersistentVolumeClaimStatus{Phase: v1.ClaimBound}}
	}
	pv := func(name, claimName string, src v1.PersistentVolumeSource) *v1.PersistentVolume {
		return &v1.PersistentVolume{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: v1.PersistentVolumeSpec{
			PersistentVolumeSource: src, ClaimRef: &v1.ObjectReference{Namespace: "ns", Name: claimName, UID: claimUID(claimName)}}}
	}
	objs := []runtime.Object{
		claim("data-hp", "pv-hp"), pv("pv-hp", "data-hp", v1.PersistentVolumeSource{HostPath: &v1.HostPathVolumeSource{Path: hp}}),
		claim("data-local", "pv-local"), pv("pv-local", "data-local", v1.PersistentVolumeSource{Local: &v1.LocalVolumeSource{Path: local}}),
		claim("data-nfs", "pv-nfs"), pv("pv-nfs", "data-nfs", v1.PersistentVolumeSource{NFS: &v1.NFSVolumeSource{Server: "s", Path: "/"}}),
		claim("stolen", "pv-hp"),
		&v1.PersistentVolumeClaim{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "pending"}, Status: v1.PersistentVolumeClaimStatus{Phase: v1.ClaimPending}},
	}
	for _, tc := range []struct {
		claim, wantPath, wantErr string
		readOnly                 bool
	}{
		{claim: "data-hp", wantPath: hp},
		{claim: "data-local", wantPath: local, readOnly: true},
		{claim: "data-nfs", wantErr: "persistent volume pv-nfs: volume type not supported by this kubelet (only hostPath and local)"},
		{claim: "pending", wantErr: "error processing PVC ns/pending: PVC is not bound"},
		{claim: "gone", wantErr: `error processing PVC ns/gone: failed to fetch PVC from API server: persistentvolumeclaims "gone" not found`},
		{claim: "stolen", wantErr: "error processing PVC ns/stolen: found PV object pv-hp but its pv.Spec.ClaimRef.UID uid-data-hp does not point to claim.UID uid-stolen"},
	} {
		t.Run(tc.claim, func(t *testing.T) {
			m, _, _ := newManager(t, objs...)
			pod := testPod(v1.Volume{Name: "data", VolumeSource: v1.VolumeSource{PersistentVolumeClaim: &v1.PersistentVolumeClaimVolumeSource{ClaimName: tc.claim, ReadOnly: tc.readOnly}}})
			mounts, err := m.Setup(context.Background(), pod)
			if tc.wantErr != "" {
				if want := `MountVolume.SetUp failed for volume "data" : ` + tc.wantErr; err == nil || err.Error() != want {
					t.Fatalf("err = %v\nwant  %s", err, want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := mounts["data"]; got.HostPath != tc.wantPath || got.ReadOnly != tc.readOnly {
				t.Errorf("mount %+v", got)
			}
		})
	}
}

func TestFSGroup(t *testing.T) {
	m, _, _ := newManager(t, &v1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "sec"}, Data: map[string][]byte{"k": []byte("v")}})
	pod := testPod(
		v1.Volume{Name: "s", VolumeSource: v1.VolumeSource{Secret: &v1.SecretVolumeSource{SecretName: "sec", DefaultMode: ptr(int32(0o400))}}},
		v1.Volume{Name: "tok", VolumeSource: v1.VolumeSource{Projected: &v1.ProjectedVolumeSource{DefaultMode: ptr(int32(0o644)), Sources: []v1.VolumeProjection{
			{ServiceAccountToken: &v1.ServiceAccountTokenProjection{Path: "token"}}}}}},
		v1.Volume{Name: "scratch", VolumeSource: v1.VolumeSource{EmptyDir: &v1.EmptyDirVolumeSource{}}},
	)
	pod.Spec.SecurityContext = &v1.PodSecurityContext{FSGroup: ptr(int64(2000))}
	mounts, err := m.Setup(context.Background(), pod)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		path string
		mode os.FileMode
	}{
		{filepath.Join(mounts["s"].HostPath, "k"), 0o440},
		{filepath.Join(mounts["tok"].HostPath, "token"), 0o640},
		{mounts["scratch"].HostPath, os.ModeDir | os.ModeSetgid | 0o777},
	} {
		st, err := os.Stat(tc.path)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode() != tc.mode || st.Sys().(*syscall.Stat_t).Gid != 2000 {
			t.Errorf("%s: mode %v gid %d, want %v gid 2000", tc.path, st.Mode(), st.Sys().(*syscall.Stat_t).Gid, tc.mode)
		}
	}
}

func claimUID(name string) ktypes.UID { return ktypes.UID("uid-" + name) }
