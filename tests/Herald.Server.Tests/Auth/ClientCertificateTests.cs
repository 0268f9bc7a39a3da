using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Herald.Server.Tests.Fixtures;
using MQTTnet;
using MQTTnet.Formatter;

namespace Herald.Server.Tests.Auth;

/// <summary>
/// Client-certificate login on the MQTT TLS listener (<c>Herald:Tls:ClientCaPath</c>): a
/// certificate from the trusted CA logs the client in as its CommonName without a password; one
/// from another CA does not; the name is the user for the ACL.
/// </summary>
public sealed class ClientCertificateTests : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("herald-clientca-").FullName;
    private readonly (X509Certificate2 Certificate, ECDsa Key) _authority = Authority("CN=Herald Test Client CA");
    private HeraldServer? _server;

    private HeraldServer Server => _server!;

    public async Task InitializeAsync()
    {
        var caPath = Path.Combine(_dir, "client-ca.pem");
        await File.WriteAllTextAsync(caPath, _authority.Certificate.ExportCertificatePem());
        _server = await HeraldServer.StartAsync(null, null,
            "--Herald:Tls:SelfSigned=true", $"--Herald:Tls:ClientCaPath={caPath}", "--Herald:Auth:AllowAnonymous=false");
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
            await _server.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task Certificate_from_the_trusted_ca_logs_in_as_its_common_name_without_a_password()
    {
        var client = Issue(_authority, "device-42");

        // Anonymous clients are refused here and no password is sent: the certificate logged it in.
        Assert.Equal(MqttClientConnectResultCode.Success, await ConnectAsync(client));
    }

    [Fact]
    public async Task Certificate_from_another_ca_is_not_trusted()
    {
        var stranger = Issue(Authority("CN=Someone Else's CA"), "device-42");

        Assert.NotEqual(MqttClientConnectResultCode.Success, await ConnectAsync(stranger));
    }

    [Fact]
    public async Task Tls_client_without_a_certificate_still_needs_a_password()
    {
        Assert.Equal(MqttClientConnectResultCode.NotAuthorized, await ConnectAsync(null));
    }

    [Fact]
    public async Task The_certificate_name_is_the_user_the_acl_knows()
    {
        Server.Broker.Acl = new Broker.Auth.AclPolicy([new Broker.Auth.AclRule(1, Broker.Auth.AclSubject.User, "device-42", Broker.Auth.AclAccess.Write, "devices/%u")]);

        Assert.Equal(MqttClientConnectResultCode.Success, await ConnectAsync(Issue(_authority, "device-42"), will: "devices/device-42"));
        Assert.Equal(MqttClientConnectResultCode.NotAuthorized, await ConnectAsync(Issue(_authority, "device-43"), will: "devices/device-42"));
    }

    private async Task<MqttClientConnectResultCode> ConnectAsync(X509Certificate2? certificate, string? will = null)
    {
        using var client = new MqttClientFactory().CreateMqttClient();
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", Server.MqttTlsPort)
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithClientId(Unique.ClientId("cert"))
            .WithTimeout(Wait.Bound)
            .WithTlsOptions(o =>
            {
                o.UseTls().WithCertificateValidationHandler(_ => true); // the server's is self-signed here
                if (certificate is not null)
                    o.WithClientCertificates([certificate]);
            });
        if (will is not null)
            builder.WithWillTopic(will).WithWillPayload("gone");
        using var cts = new CancellationTokenSource(Wait.Bound);
        try
        {
            var code = (await client.ConnectAsync(builder.Build(), cts.Token)).ResultCode;
            if (client.IsConnected)
                await client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build(), cts.Token);
            return code;
        }
        catch (MQTTnet.Exceptions.MqttCommunicationException)
        {
            return MqttClientConnectResultCode.UnspecifiedError; // the TLS handshake was refused
        }
    }

    private static (X509Certificate2, ECDsa) Authority(string subject)
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var now = DateTimeOffset.UtcNow;
        return (request.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1)), key);
    }

    /// <summary>A client certificate (client-authentication usage) for <paramref name="commonName"/> signed by the authority.</summary>
    private static X509Certificate2 Issue((X509Certificate2 Certificate, ECDsa Key) authority, string commonName)
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={commonName}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.2")], false));
        var now = DateTimeOffset.UtcNow;
        var signed = request.Create(authority.Certificate, now.AddMinutes(-4), now.AddHours(12), RandomNumberGenerator.GetBytes(8));
        // SslStream needs the key with the certificate, from a PKCS#12 on Linux.
        return X509CertificateLoader.LoadPkcs12(signed.CopyWithPrivateKey(key).Export(X509ContentType.Pfx), null);
    }

    [Fact]
    public void Unreadable_client_ca_file_stops_the_server_naming_the_key()
    {
        var missing = Path.Combine(_dir, "missing.pem");

        var e = Assert.Throws<Herald.Server.Configuration.ConfigurationException>(() =>
            HeraldHost.Build(HeraldServer.Arguments(HeraldServer.FreePort(), HeraldServer.FreePort(), $"--Herald:DataDir={_dir}", $"--Herald:Tls:ClientCaPath={missing}")));

        Assert.Contains("Herald:Tls:ClientCaPath", e.Message);
    }
}

