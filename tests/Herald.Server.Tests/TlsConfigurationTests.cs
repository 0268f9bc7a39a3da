using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Herald.Server.Configuration;
using Herald.Server.Tests.Fixtures;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Herald.Server.Tests;

/// <summary>
/// Where the TLS certificate comes from (Herald:Tls): configured PKCS#12 and PEM files, the
/// self-signed certificate kept in the data directory, or none; and what stops startup.
/// </summary>
public sealed class TlsConfigurationTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("herald-tls-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Configured_PKCS12_certificate_is_served_on_MQTT_TLS_and_HTTPS()
    {
        var certificate = TestCertificates.Create("configured-pfx");
        var path = Path.Combine(_dir, "server.pfx");
        TestCertificates.WritePfx(certificate, path, "s3cret");

        await using var server = await HeraldServer.StartAsync(null, null, $"--Herald:Tls:CertificatePath={path}", "--Herald:Tls:CertificatePassword=s3cret");

        Assert.Equal(TestCertificates.Thumbprint(certificate), await TlsProbe.ThumbprintAsync(server.MqttTlsPort));
        Assert.Equal(TestCertificates.Thumbprint(certificate), await TlsProbe.ThumbprintAsync(server.HttpTlsPort));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Configured_PEM_certificate_is_served_with_its_key_beside_it_or_in_the_same_file(bool sameFile)
    {
        var certificate = TestCertificates.Create("configured-pem");
        var path = Path.Combine(_dir, "server.pem");
        string[] args;
        if (sameFile)
        {
            TestCertificates.WriteCombinedPem(certificate, path);
            args = [$"--Herald:Tls:CertificatePath={path}"];
        }
        else
        {
            var keyPath = Path.Combine(_dir, "server.key");
            TestCertificates.WritePem(certificate, path, keyPath);
            args = [$"--Herald:Tls:CertificatePath={path}", $"--Herald:Tls:KeyPath={keyPath}"];
        }

        await using var server = await HeraldServer.StartAsync(null, null, args);

        Assert.Equal(TestCertificates.Thumbprint(certificate), await TlsProbe.ThumbprintAsync(server.MqttTlsPort));
    }

    [Theory]
    [InlineData("pem")]
    [InlineData("pfx")]
    public async Task Configured_chain_is_sent_so_a_client_trusting_only_the_root_connects(string format)
    {
        var (root, intermediate, certificate) = TestCertificates.CreateChain();
        string[] args;
        if (format == "pem")
        {
            // As a CA such as Let's Encrypt hands them out: fullchain.pem and privkey.pem.
            var fullChain = Path.Combine(_dir, "fullchain.pem");
            var key = Path.Combine(_dir, "privkey.pem");
            File.WriteAllText(fullChain, certificate.ExportCertificatePem() + "\n" + intermediate.ExportCertificatePem());
            File.WriteAllText(key, certificate.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
            args = [$"--Herald:Tls:CertificatePath={fullChain}", $"--Herald:Tls:KeyPath={key}"];
        }
        else
        {
            var pfx = Path.Combine(_dir, "server.pfx");
            File.WriteAllBytes(pfx, new X509Certificate2Collection { certificate, intermediate }.Export(X509ContentType.Pkcs12, "pw")!);
            args = [$"--Herald:Tls:CertificatePath={pfx}", "--Herald:Tls:CertificatePassword=pw"];
        }
        var rootFile = Path.Combine(_dir, "root.pem");
        File.WriteAllText(rootFile, root.ExportCertificatePem());
        await using var server = await HeraldServer.StartAsync(null, null, args);

        await using var publisher = ClientProcess.Start("/usr/bin/mosquitto_pub",
            ["-h", "127.0.0.1", "-p", server.MqttTlsPort.ToString(), "--cafile", rootFile, "-i", Unique.ClientId("chain"), "-t", Unique.Topic("chain"), "-m", "chained", "-q", "1"]);

        await publisher.ExpectSuccessAsync();
        Assert.Equal(TestCertificates.Thumbprint(certificate), await TlsProbe.ThumbprintAsync(server.HttpTlsPort));
    }

    [Fact]
    public async Task Configured_certificate_takes_precedence_over_the_development_self_signed_one()
    {
        var certificate = TestCertificates.Create("configured-dev");
        var path = Path.Combine(_dir, "server.pfx");
        TestCertificates.WritePfx(certificate, path, null);

        await using var server = await HeraldServer.StartAsync(null, null, "--environment=Development", $"--Herald:Tls:CertificatePath={path}");

        Assert.Equal(TestCertificates.Thumbprint(certificate), await TlsProbe.ThumbprintAsync(server.MqttTlsPort));
        Assert.False(Directory.Exists(Path.Combine(server.DataDir, "tls")));
    }

    [Fact]
    public void Missing_certificate_file_stops_startup_naming_the_key_and_the_file()
    {
        var path = Path.Combine(_dir, "absent.pfx");

        var e = Assert.Throws<ConfigurationException>(() => Build($"--Herald:Tls:CertificatePath={path}"));

        Assert.Contains("Herald:Tls:CertificatePath", e.Message);
        Assert.Contains(path, e.Message);
    }

    [Theory]
    [InlineData("server.pfx")]
    [InlineData("server.pem")]
    public void Corrupt_certificate_file_stops_startup_naming_the_key_and_the_file(string name)
    {
        var path = Path.Combine(_dir, name);
        var garbage = new byte[512];
        Random.Shared.NextBytes(garbage);
        if (name.EndsWith(".pem", StringComparison.Ordinal))
            garbage = [.. "-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n"u8];
        File.WriteAllBytes(path, garbage);

        var e = Assert.Throws<ConfigurationException>(() => Build($"--Herald:Tls:CertificatePath={path}"));

        Assert.Contains("Herald:Tls:CertificatePath", e.Message);
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void Wrong_PKCS12_password_stops_startup_naming_the_keys_and_the_file()
    {
        var path = Path.Combine(_dir, "server.pfx");
        TestCertificates.WritePfx(TestCertificates.Create("password"), path, "right");

        var e = Assert.Throws<ConfigurationException>(() => Build($"--Herald:Tls:CertificatePath={path}", "--Herald:Tls:CertificatePassword=wrong"));

        Assert.Contains("Herald:Tls:CertificatePath", e.Message);
        Assert.Contains("Herald:Tls:CertificatePassword", e.Message);
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void Missing_key_file_stops_startup_naming_the_key_and_the_file()
    {
        var path = Path.Combine(_dir, "server.pem");
        var keyPath = Path.Combine(_dir, "absent.key");
        TestCertificates.WritePem(TestCertificates.Create("nokey"), path, Path.Combine(_dir, "unused.key"));

        var e = Assert.Throws<ConfigurationException>(() => Build($"--Herald:Tls:CertificatePath={path}", $"--Herald:Tls:KeyPath={keyPath}"));

        Assert.Contains("Herald:Tls:KeyPath", e.Message);
        Assert.Contains(keyPath, e.Message);
    }

    [Fact]
    public void Key_of_another_certificate_stops_startup_naming_both_files()
    {
        var path = Path.Combine(_dir, "server.pem");
        var keyPath = Path.Combine(_dir, "other.key");
        TestCertificates.WritePem(TestCertificates.Create("mine"), path, Path.Combine(_dir, "mine.key"));
        TestCertificates.WritePem(TestCertificates.Create("other"), Path.Combine(_dir, "other.pem"), keyPath);

        var e = Assert.Throws<ConfigurationException>(() => Build($"--Herald:Tls:CertificatePath={path}", $"--Herald:Tls:KeyPath={keyPath}"));

        Assert.Contains("Herald:Tls:CertificatePath", e.Message);
        Assert.Contains(path, e.Message);
        Assert.Contains("Herald:Tls:KeyPath", e.Message);
        Assert.Contains(keyPath, e.Message);
    }

    [Fact]
    public void PEM_certificate_without_its_key_stops_startup()
    {
        var path = Path.Combine(_dir, "server.pem");
        File.WriteAllText(path, TestCertificates.Create("keyless").ExportCertificatePem());

        var e = Assert.Throws<ConfigurationException>(() => Build($"--Herald:Tls:CertificatePath={path}"));

        Assert.Contains("Herald:Tls:CertificatePath", e.Message);
        Assert.Contains("Herald:Tls:KeyPath", e.Message);
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public async Task Self_signed_certificate_is_saved_in_the_data_directory_and_reused_on_the_next_start()
    {
        string[] args = ["--Herald:Tls:SelfSigned=true", $"--Herald:DataDir={_dir}"];
        var path = TlsServer.SelfSignedPath(_dir);
        string first;
        await using (var server = await HeraldServer.StartAsync(null, null, args))
            first = await TlsProbe.ThumbprintAsync(server.MqttTlsPort);
        var saved = X509CertificateLoader.LoadPkcs12FromFile(path, null);

        await using (var server = await HeraldServer.StartAsync(null, null, args))
            Assert.Equal(first, await TlsProbe.ThumbprintAsync(server.HttpTlsPort));

        Assert.Equal(first, TestCertificates.Thumbprint(saved));
        Assert.True(saved.HasPrivateKey);
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path)); // it holds the private key
        var names = saved.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single();
        Assert.Equal(new[] { "localhost" }, names.EnumerateDnsNames());
        Assert.Equal(new[] { "127.0.0.1", "::1" }, names.EnumerateIPAddresses().Select(a => a.ToString()));
    }

    [Theory]
    [InlineData("expired")]
    [InlineData("expiring")]
    [InlineData("damaged")]
    public async Task Stale_self_signed_certificate_is_replaced(string state)
    {
        var path = TlsServer.SelfSignedPath(_dir);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var now = DateTimeOffset.UtcNow;
        var old = state switch
        {
            "expired" => TestCertificates.Create("old", now.AddDays(-400), now.AddDays(-1)),
            "expiring" => TestCertificates.Create("old", now.AddDays(-355), now.AddDays(10)),
            _ => null,
        };
        if (old is null)
            File.WriteAllBytes(path, [0x30, 0x82, 0x01]);
        else
            TestCertificates.WritePfx(old, path, null);

        await using var server = await HeraldServer.StartAsync(null, null, "--Herald:Tls:SelfSigned=true", $"--Herald:DataDir={_dir}");
        var served = await TlsProbe.ServerCertificateAsync(server.MqttTlsPort);

        Assert.NotEqual(old is null ? "" : TestCertificates.Thumbprint(old), TestCertificates.Thumbprint(served));
        Assert.Equal(TestCertificates.Thumbprint(served), TestCertificates.Thumbprint(X509CertificateLoader.LoadPkcs12FromFile(path, null)));
        Assert.True(served.NotAfter > now.AddDays(300).UtcDateTime);
    }

    [Fact]
    public async Task Development_environment_without_a_certificate_makes_a_self_signed_one()
    {
        await using var server = await HeraldServer.StartAsync(null, null, "--environment=Development");

        var saved = X509CertificateLoader.LoadPkcs12FromFile(TlsServer.SelfSignedPath(server.DataDir), null);
        Assert.Equal(TestCertificates.Thumbprint(saved), await TlsProbe.ThumbprintAsync(server.MqttTlsPort));
    }

    [Theory]
    [InlineData("--environment=Production")]
    [InlineData("--environment=Development", "--Herald:Tls:SelfSigned=false")]
    public async Task Without_a_certificate_TLS_is_off_and_the_log_says_so(params string[] args)
    {
        var capture = new LogCapture();
        await using var server = await HeraldServer.StartAsync(null, Capture(capture), args);

        var off = await capture.WaitForLineAsync(l => l.Contains("TLS off", StringComparison.Ordinal));
        var listening = await capture.WaitForLineAsync(l => l.Contains("Herald listening", StringComparison.Ordinal));

        Assert.Contains("Herald:Tls:CertificatePath", off);
        Assert.DoesNotContain("TLS on", listening);
        Assert.DoesNotContain("HTTPS", listening);
        var refused = await Assert.ThrowsAsync<SocketException>(() => RawClient.ConnectAsync(server.MqttTlsPort));
        Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
        Assert.False(Directory.Exists(Path.Combine(server.DataDir, "tls")));
    }

    [Fact]
    public async Task Startup_log_names_every_listener_and_the_self_signed_file()
    {
        var capture = new LogCapture();
        await using var server = await HeraldServer.StartAsync(null, Capture(capture), "--Herald:Tls:SelfSigned=true");

        var selfSigned = await capture.WaitForLineAsync(l => l.Contains("self-signed", StringComparison.Ordinal));
        var listening = await capture.WaitForLineAsync(l => l.Contains("Herald listening", StringComparison.Ordinal));

        Assert.Contains(TlsServer.SelfSignedPath(server.DataDir), selfSigned);
        Assert.Contains($"MQTT on 127.0.0.1:{server.MqttPort}", listening);
        Assert.Contains($"MQTT/TLS on 127.0.0.1:{server.MqttTlsPort}", listening);
        Assert.Contains($"HTTP on 127.0.0.1:{server.HttpPort}", listening);
        Assert.Contains($"HTTPS on 127.0.0.1:{server.HttpTlsPort}", listening);
        Assert.Contains("WebSocket at /mqtt", listening);
    }

    [Theory]
    [InlineData("--Herald:Mqtt:TlsPort=0", "Herald:Mqtt:TlsPort", "0")]
    [InlineData("--Herald:Http:TlsPort=65536", "Herald:Http:TlsPort", "65536")]
    [InlineData("--Herald:Tls:KeyPath=/etc/herald/key.pem", "Herald:Tls:KeyPath", "/etc/herald/key.pem")]
    [InlineData("--Herald:Tls:SelfSigned=maybe", "Herald:Tls:SelfSigned", "maybe")]
    public void Invalid_TLS_setting_is_refused_naming_the_key_and_value(string argument, string key, string value)
    {
        var e = Assert.Throws<ConfigurationException>(() => Build(argument));

        Assert.Contains(key, e.Message);
        Assert.Contains(value, e.Message);
    }

    [Fact]
    public void Self_signed_and_a_configured_certificate_together_are_refused()
    {
        var e = Assert.Throws<ConfigurationException>(() => Build("--Herald:Tls:SelfSigned=true", "--Herald:Tls:CertificatePath=/etc/herald/server.pfx"));

        Assert.Contains("Herald:Tls:SelfSigned", e.Message);
        Assert.Contains("Herald:Tls:CertificatePath", e.Message);
    }

    [Theory]
    [InlineData("Mqtt:TlsPort", "Mqtt:Port")]
    [InlineData("Mqtt:TlsPort", "Http:Port")]
    [InlineData("Http:TlsPort", "Http:Port")]
    [InlineData("Http:TlsPort", "Mqtt:TlsPort")]
    public void TLS_port_equal_to_another_listener_port_is_refused(string tlsKey, string otherKey)
    {
        var port = HeraldServer.FreePort();
        string[] args = [$"--Herald:{tlsKey}={port}", $"--Herald:{otherKey}={port}"];

        var e = Assert.Throws<ConfigurationException>(() => Build(args));

        Assert.Contains($"Herald:{tlsKey}", e.Message);
        Assert.Contains($"Herald:{otherKey}", e.Message);
        Assert.Contains(port.ToString(), e.Message);
    }

    /// <summary>Builds a host, as startup does before binding, with this test's data directory; disposes it if it builds.</summary>
    private void Build(params string[] args)
    {
        using var app = (IDisposable)HeraldHost.Build(HeraldServer.Arguments(HeraldServer.FreePort(), HeraldServer.FreePort(), [$"--Herald:DataDir={_dir}", .. args]));
    }

    private static Action<IServiceCollection> Capture(LogCapture capture) =>
        services => services.AddLogging(b => b.AddProvider(capture).AddFilter<LogCapture>(null, LogLevel.Information));
}
