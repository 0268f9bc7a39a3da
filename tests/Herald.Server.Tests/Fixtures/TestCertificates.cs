using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Herald.Server.Tests.Fixtures;

/// <summary>Certificates a test configures Herald with, written as an operator would give them: PKCS#12 or PEM files.</summary>
public static class TestCertificates
{
    /// <summary>A self-signed ECDSA P-256 server certificate for 127.0.0.1 and localhost.</summary>
    public static X509Certificate2 Create(string commonName, DateTimeOffset? notBefore = null, DateTimeOffset? notAfter = null)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={commonName}", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        var now = DateTimeOffset.UtcNow;
        return request.CreateSelfSigned(notBefore ?? now.AddMinutes(-5), notAfter ?? now.AddDays(30));
    }

    /// <summary>
    /// A root CA, an intermediate CA it signed, and a server certificate for 127.0.0.1 and
    /// localhost the intermediate signed: what a public CA issues.
    /// </summary>
    public static (X509Certificate2 Root, X509Certificate2 Intermediate, X509Certificate2 Server) CreateChain()
    {
        var now = DateTimeOffset.UtcNow;
        var rootKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var root = AuthorityRequest("CN=Herald Test Root", rootKey).CreateSelfSigned(now.AddMinutes(-5), now.AddDays(30));

        var intermediateKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var intermediate = AuthorityRequest("CN=Herald Test Intermediate", intermediateKey)
            .Create(root, now.AddMinutes(-4), now.AddDays(29), [1])
            .CopyWithPrivateKey(intermediateKey);

        var serverKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", serverKey, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        var server = request.Create(intermediate, now.AddMinutes(-3), now.AddDays(28), [2]).CopyWithPrivateKey(serverKey);
        return (root, intermediate, server);
    }

    public static void WritePfx(X509Certificate2 certificate, string path, string? password) =>
        File.WriteAllBytes(path, certificate.Export(X509ContentType.Pkcs12, password));

    public static void WritePem(X509Certificate2 certificate, string certificatePath, string keyPath)
    {
        File.WriteAllText(certificatePath, certificate.ExportCertificatePem());
        File.WriteAllText(keyPath, certificate.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
    }

    /// <summary>Certificate and key in one PEM file.</summary>
    public static void WriteCombinedPem(X509Certificate2 certificate, string path) =>
        File.WriteAllText(path, certificate.ExportCertificatePem() + "\n" + certificate.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());

    private static CertificateRequest AuthorityRequest(string subject, ECDsa key)
    {
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        return request;
    }

    public static string Thumbprint(X509Certificate2 certificate) => certificate.GetCertHashString(HashAlgorithmName.SHA256);
}
