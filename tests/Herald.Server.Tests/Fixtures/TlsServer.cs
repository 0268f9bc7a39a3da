using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Herald.Server.Tests.Fixtures;

/// <summary>
/// A <see cref="HeraldServer"/> with TLS on (<c>Herald:Tls:SelfSigned=true</c>): MQTT over TLS on
/// <see cref="HeraldServer.MqttTlsPort"/>, HTTPS and secure WebSocket on <see cref="HeraldServer.HttpTlsPort"/>,
/// with the certificate it made and saved in its data directory.
/// </summary>
public sealed class TlsServer() : HeraldServer(null, "--Herald:Tls:SelfSigned=true")
{
    private X509Certificate2? _certificate;
    private string? _caFile;

    /// <summary>The self-signed certificate as saved in the data directory, where an operator finds it.</summary>
    public X509Certificate2 Certificate => _certificate ??= X509CertificateLoader.LoadPkcs12FromFile(SelfSignedPath(DataDir), null);

    /// <summary>The certificate exported as PEM, for a client's CA file (mosquitto <c>--cafile</c>, paho <c>ca_certs</c>).</summary>
    public string CaFile
    {
        get
        {
            if (_caFile is null)
            {
                var path = Path.Combine(DataDir, "herald-ca.pem");
                File.WriteAllText(path, Certificate.ExportCertificatePem());
                _caFile = path;
            }
            return _caFile;
        }
    }

    public static string SelfSignedPath(string dataDir) => Path.Combine(dataDir, "tls", "herald-selfsigned.pfx");

    /// <summary>True when <paramref name="presented"/> is this server's certificate.</summary>
    public bool Presented(X509Certificate? presented) =>
        presented is not null && presented.GetCertHashString(HashAlgorithmName.SHA256) == Certificate.GetCertHashString(HashAlgorithmName.SHA256);
}
