package air

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// startTestServer starts an embedded server on a free loopback port and
// stops it at the end of the test.
func startTestServer(t *testing.T, cfg ServerConfig) *Server {
	t.Helper()
	if cfg.Listen == "" {
		cfg.Listen = "127.0.0.1:0"
	}
	if cfg.StoreDir == "" {
		cfg.StoreDir = filepath.Join(t.TempDir(), "js")
	}
	s, err := StartServer(cfg)
	require.NoError(t, err)
	t.Cleanup(s.Shutdown)
	return s
}

// connect connects to s and closes the connection at the end of the test.
func connect(t *testing.T, url string, opts ...nats.Option) *nats.Conn {
	t.Helper()
	nc, err := nats.Connect(url, append([]nats.Option{nats.Timeout(5 * time.Second)}, opts...)...)
	require.NoError(t, err)
	t.Cleanup(nc.Close)
	return nc
}

// writeUsers writes a users file with mode perm.
func writeUsers(t *testing.T, content string, perm os.FileMode) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "users")
	require.NoError(t, os.WriteFile(path, []byte(content), perm))
	require.NoError(t, os.Chmod(path, perm)) // whatever the umask
	return path
}

// checkKV creates the air's bucket over nc and puts and gets a value.
func checkKV(t *testing.T, nc *nats.Conn, air string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	kv, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: Bucket(air), Storage: jetstream.FileStorage})
	require.NoError(t, err)
	w, err := kv.WatchAll(ctx)
	require.NoError(t, err)
	defer w.Stop()
	_, err = kv.Put(ctx, "k", []byte("v"))
	require.NoError(t, err)
	e, err := kv.Get(ctx, "k")
	require.NoError(t, err)
	assert.Equal(t, "v", string(e.Value()))
	for {
		select {
		case e := <-w.Updates():
			if e != nil && e.Key() == "k" {
				return
			}
		case <-ctx.Done():
			t.Fatal("the watch did not deliver the put")
		}
	}
}

// received reports whether a message arrives on sub within d.
func received(sub *nats.Subscription, d time.Duration) bool {
	_, err := sub.NextMsg(d)
	return err == nil
}

func TestServerLoopbackWithoutUsers(t *testing.T) {
	s := startTestServer(t, ServerConfig{})
	assert.True(t, strings.HasPrefix(s.ClientURL(), "nats://127.0.0.1:"), s.ClientURL())
	nc := connect(t, s.ClientURL())
	sub, err := nc.SubscribeSync(FrameSubject("x", "a"))
	require.NoError(t, err)
	require.NoError(t, nc.Publish(FrameSubject("x", "a"), []byte("f")))
	assert.True(t, received(sub, 5*time.Second))
	checkKV(t, nc, "x")

	// The same process joins without a socket.
	in := connect(t, s.ClientURL(), nats.InProcessServer(s.InProcess()))
	require.NoError(t, in.Publish(FrameSubject("x", "a"), []byte("g")))
	assert.True(t, received(sub, 5*time.Second))
}

func TestServerRefuses(t *testing.T) {
	users := "a secret-a\n"
	tests := []struct {
		name  string
		cfg   ServerConfig
		users string
		perm  os.FileMode
		want  string
	}{
		{name: "everywhere without users", cfg: ServerConfig{Listen: "0.0.0.0:0"}, want: "--serve-air-users FILE"},
		{name: "no host without users", cfg: ServerConfig{Listen: ":0"}, want: "listens beyond this machine"},
		{name: "bad address", cfg: ServerConfig{Listen: "127.0.0.1"}, want: "host:port"},
		{name: "open users file", users: users, perm: 0o644, want: "chmod 600"},
		{name: "duplicate member", users: "a x\n# c\n\na y\n", perm: 0o600, want: `member "a" already on line 1`},
		{name: "bad member name", users: "a.b x\n", perm: 0o600, want: `member name "a.b"`},
		{name: "no password", users: "a\n", perm: 0o600, want: "2 words"},
		{name: "empty", users: "# nobody\n", perm: 0o600, want: "no members"},
		{name: "half TLS", cfg: ServerConfig{TLSCert: "cert.pem"}, want: "both a certificate and its key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := tt.cfg
			if cfg.Listen == "" {
				cfg.Listen = "127.0.0.1:0"
			}
			cfg.StoreDir = t.TempDir()
			if tt.users != "" {
				cfg.UsersFile = writeUsers(t, tt.users, tt.perm)
			}
			s, err := StartServer(cfg)
			if err == nil {
				s.Shutdown()
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestServerUsers(t *testing.T) {
	path := writeUsers(t, "# members of the lab\na secret-a\n\nb secret-b\n", 0o600)
	s := startTestServer(t, ServerConfig{UsersFile: path})

	_, err := nats.Connect(s.ClientURL(), nats.UserInfo("a", "wrong"))
	require.Error(t, err, "a wrong password")
	_, err = nats.Connect(s.ClientURL())
	require.Error(t, err, "no credentials")

	b := connect(t, s.ClientURL(), nats.UserInfo("b", "secret-b"))
	frames, err := b.SubscribeSync(FrameSubject("x", "*"))
	require.NoError(t, err)
	require.NoError(t, b.Flush())

	violations := make(chan error, 10)
	a := connect(t, s.ClientURL(), nats.UserInfo("a", "secret-a"),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) { violations <- err }))
	// a publishes as b: the server drops it and tells a.
	require.NoError(t, a.Publish(FrameSubject("x", "b"), []byte("forged")))
	require.NoError(t, a.Publish(AckSubject("x", "a", "b"), []byte("forged")))
	select {
	case err := <-violations:
		assert.True(t, errors.Is(err, nats.ErrPermissionViolation), "%v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("no permission violation reported")
	}
	// a publishes as itself.
	require.NoError(t, a.Publish(FrameSubject("x", "a"), []byte("real")))
	m, err := frames.NextMsg(5 * time.Second)
	require.NoError(t, err)
	assert.Equal(t, FrameSubject("x", "a"), m.Subject, "the forged frame must not arrive")
	assert.False(t, received(frames, 200*time.Millisecond))

	// The key-value bucket works with exactly these permissions, in
	// process too.
	checkKV(t, a, "x")
	// The server's own process joins without a password.
	in := connect(t, s.ClientURL(), nats.InProcessServer(s.InProcess()))
	checkKV(t, in, "y")
	require.NoError(t, in.Publish(FrameSubject("x", "local"), []byte("local")))
	m, err = frames.NextMsg(5 * time.Second)
	require.NoError(t, err)
	assert.Equal(t, "local", string(m.Data))
	_, err = nats.Connect(s.ClientURL(), nats.UserInfo("hwsim-local", ""))
	require.Error(t, err, "the in-process user over a socket")
}

func TestServerTLS(t *testing.T) {
	cert, key := selfSigned(t, t.TempDir())
	s := startTestServer(t, ServerConfig{TLSCert: cert, TLSKey: key})
	nc := connect(t, s.ClientURL(), nats.RootCAs(cert))
	assert.True(t, nc.TLSRequired())
	checkKV(t, nc, "x")
	_, err := nats.Connect(s.ClientURL(), nats.Timeout(5*time.Second))
	require.Error(t, err, "a client that does not trust the certificate")
}

func TestServerRestartKeepsState(t *testing.T) {
	store := filepath.Join(t.TempDir(), "js")
	s, err := StartServer(ServerConfig{Listen: "127.0.0.1:0", StoreDir: store})
	require.NoError(t, err)
	nc := connect(t, s.ClientURL())
	checkKV(t, nc, "x")
	nc.Close()
	s.Shutdown()

	fi, err := os.Stat(store)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o700), fi.Mode().Perm())

	s = startTestServer(t, ServerConfig{StoreDir: store})
	nc = connect(t, s.ClientURL())
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	kv, err := js.KeyValue(ctx, Bucket("x"))
	require.NoError(t, err)
	e, err := kv.Get(ctx, "k")
	require.NoError(t, err)
	assert.Equal(t, "v", string(e.Value()))
}

func TestServerShutdownLeavesNothing(t *testing.T) {
	before := runtime.NumGoroutine()
	s, err := StartServer(ServerConfig{Listen: "127.0.0.1:0", StoreDir: t.TempDir()})
	require.NoError(t, err)
	nc, err := nats.Connect(s.ClientURL())
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	_, err = js.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: Bucket("x")})
	require.NoError(t, err)
	addr := strings.TrimPrefix(s.ClientURL(), "nats://")
	nc.Close()
	s.Shutdown()

	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err == nil {
		c.Close()
		t.Fatalf("%s still listening after Shutdown", addr)
	}
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<20)
		t.Fatalf("%d goroutines before the server, %d after its Shutdown:\n%s", before, n, buf[:runtime.Stack(buf, true)])
	}
}

// selfSigned writes a self-signed certificate for 127.0.0.1 and its key
// into dir.
func selfSigned(t *testing.T, dir string) (cert, key string) {
	t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "hwsim-medium test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:              []string{"localhost"},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &priv.PublicKey, priv)
	require.NoError(t, err)
	keyDER, err := x509.MarshalECPrivateKey(priv)
	require.NoError(t, err)
	cert, key = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	require.NoError(t, os.WriteFile(cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600))
	require.NoError(t, os.WriteFile(key, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600))
	return cert, key
}

func TestServerPortInUse(t *testing.T) {
	s := startTestServer(t, ServerConfig{})
	start := time.Now()
	_, err := StartServer(ServerConfig{Listen: strings.TrimPrefix(s.ClientURL(), "nats://"), StoreDir: t.TempDir()})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "address already in use")
	assert.Less(t, time.Since(start), 5*time.Second, "the error comes at once, not after the ready timeout")
}
