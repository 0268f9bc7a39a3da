using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Herald.Server.Configuration;

namespace Herald.Server.Tls;

/// <summary>
/// The certificate Herald makes for itself when TLS has no configured certificate: for
/// localhost, 127.0.0.1 and ::1, kept in <c>{DataDir}/tls</c> and reused on later starts, so a
/// client that was given it (<c>mosquitto_sub --cafile</c>) keeps trusting the server.
/// </summary>
public static class SelfSignedCertificate
{
    public const string FileName = "herald-selfsigned.pfx";

    public static readonly TimeSpan Lifetime = TimeSpan.FromDays(365);

    /// <summary>A saved certificate closer than this to expiring is made anew rather than reused.</summary>
    public static readonly TimeSpan RenewBefore = TimeSpan.FromDays(30);

    /// <summary>The file's certificate when it is still good at <paramref name="now"/>; otherwise a new one, saved there.</summary>
    /// <exception cref="ConfigurationException">The new certificate cannot be saved.</exception>
    public static (X509Certificate2 Certificate, bool Created) LoadOrCreate(string path, DateTimeOffset now)
    {
        if (TryLoad(path, now) is { } saved)
            return (saved, false);
        var pkcs12 = Create(now).Export(X509ContentType.Pkcs12);
        Save(path, pkcs12);
        // Loaded back from PKCS#12 rather than used as created: Windows' TLS cannot use the
        // ephemeral key CertificateRequest makes.
        return (X509CertificateLoader.LoadPkcs12(pkcs12, null), true);
    }

    /// <summary>A new self-signed server certificate, valid from a few minutes before <paramref name="now"/> for <see cref="Lifetime"/>.</summary>
    public static X509Certificate2 Create(DateTimeOffset now)
    {
        // RSA rather than ECDSA: every TLS stack a device may run accepts it.
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        names.AddIpAddress(IPAddress.IPv6Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: false, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1", "Server Authentication")], critical: false));
        var subjectKeyId = new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false);
        request.CertificateExtensions.Add(subjectKeyId);
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromSubjectKeyIdentifier(subjectKeyId));
        // Backdated a little, so a client whose clock is slightly behind still accepts it.
        return request.CreateSelfSigned(now.AddMinutes(-5), now + Lifetime);
    }

    private static X509Certificate2? TryLoad(string path, DateTimeOffset now)
    {
        if (!File.Exists(path))
            return null;
        X509Certificate2 certificate;
        try
        {
            certificate = X509CertificateLoader.LoadPkcs12FromFile(path, null);
        }
        catch (CryptographicException)
        {
            return null; // damaged: Herald made it, so Herald replaces it
        }
        if (certificate.HasPrivateKey && certificate.NotBefore <= now && now + RenewBefore < certificate.NotAfter)
            return certificate;
        certificate.Dispose();
        return null;
    }

    private static void Save(string path, byte[] pkcs12)
    {
        try
        {
            var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
            // The file holds the private key: readable by the server's user only.
            if (OperatingSystem.IsWindows())
                Directory.CreateDirectory(directory);
            else
                Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            var temporary = path + ".tmp";
            var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            using (var file = new FileStream(temporary, options))
                file.Write(pkcs12);
            // Moved into place whole, so a crash never leaves half a file to be read as damaged.
            File.Move(temporary, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigurationException($"Herald:DataDir: cannot save the self-signed TLS certificate at '{path}': {e.Message}");
        }
    }
}
