using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Herald.Server.Configuration;

namespace Herald.Server.Tls;

/// <summary>
/// The certificate the TLS listeners (MQTT over TLS, HTTPS) present, chosen at startup from
/// <c>Herald:Tls</c>: the configured file; else a self-signed one when asked for or in the
/// Development environment; else none, and those listeners stay off.
/// </summary>
public sealed class ServerCertificate
{
    private ServerCertificate(X509Certificate2? certificate, X509Certificate2Collection chain, string? path, bool isSelfSigned, bool isNew)
    {
        Certificate = certificate;
        Chain = chain;
        Path = path;
        IsSelfSigned = isSelfSigned;
        IsNew = isNew;
    }

    /// <summary>Null when TLS is off.</summary>
    public X509Certificate2? Certificate { get; }

    /// <summary>
    /// The intermediate certificates sent with it: the rest of the configured file (a PEM
    /// <c>fullchain.pem</c>, a PKCS#12 with its chain), so clients that trust only the root accept it.
    /// </summary>
    public X509Certificate2Collection Chain { get; }

    /// <summary>The file it was read from (configured) or saved to (self-signed), as a full path.</summary>
    public string? Path { get; }

    public bool IsSelfSigned { get; }

    /// <summary>A self-signed certificate made at this start rather than reused from an earlier one.</summary>
    public bool IsNew { get; }

    /// <exception cref="ConfigurationException">The configured certificate cannot be used, or a self-signed one cannot be saved.</exception>
    public static ServerCertificate Load(HeraldOptions options, bool isDevelopment, DateTimeOffset now)
    {
        var tls = options.Tls;
        if (!string.IsNullOrWhiteSpace(tls.CertificatePath))
        {
            var (certificate, chain) = ReadConfigured(tls, tls.CertificatePath);
            return new ServerCertificate(certificate, chain, System.IO.Path.GetFullPath(tls.CertificatePath), isSelfSigned: false, isNew: false);
        }
        if (tls.SelfSigned ?? isDevelopment)
        {
            var path = System.IO.Path.GetFullPath(System.IO.Path.Combine(options.DataDir, "tls", SelfSignedCertificate.FileName));
            var (certificate, created) = SelfSignedCertificate.LoadOrCreate(path, now);
            return new ServerCertificate(certificate, [], path, isSelfSigned: true, isNew: created);
        }
        return new ServerCertificate(null, [], null, isSelfSigned: false, isNew: false);
    }

    /// <summary>The certificate with its private key (the first one in the file) and the rest of the file's certificates.</summary>
    private static (X509Certificate2 Certificate, X509Certificate2Collection Chain) ReadConfigured(TlsOptions tls, string path)
    {
        byte[] contents;
        try
        {
            contents = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigurationException($"Herald:Tls:CertificatePath: cannot read the certificate '{path}': {e.Message}");
        }

        X509Certificate2? certificate;
        var chain = new X509Certificate2Collection();
        var isPem = !string.IsNullOrWhiteSpace(tls.KeyPath) || contents.AsSpan().IndexOf("-----BEGIN "u8) >= 0;
        if (isPem)
        {
            var certificatePem = Encoding.UTF8.GetString(contents);
            var (keyPath, keyPem) = string.IsNullOrWhiteSpace(tls.KeyPath) ? (path, certificatePem) : (tls.KeyPath, ReadKey(tls.KeyPath));
            certificate = ReadPem(path, certificatePem, keyPath, keyPem, tls.CertificatePassword);
            chain.ImportFromPem(certificatePem); // every CERTIFICATE block; keys are skipped
        }
        else
        {
            try
            {
                chain = X509CertificateLoader.LoadPkcs12Collection(contents, tls.CertificatePassword);
            }
            catch (CryptographicException e)
            {
                throw new ConfigurationException($"Herald:Tls:CertificatePath: '{path}' is neither PEM nor a PKCS#12 file that opens with Herald:Tls:CertificatePassword: {e.Message}");
            }
            certificate = chain.FirstOrDefault(c => c.HasPrivateKey);
        }
        if (certificate is null || !certificate.HasPrivateKey)
            throw new ConfigurationException($"Herald:Tls:CertificatePath: the certificate '{path}' has no private key (give a PKCS#12 file with its key, or Herald:Tls:KeyPath)");
        foreach (var same in chain.Where(c => c.RawDataMemory.Span.SequenceEqual(certificate.RawDataMemory.Span)).ToList())
            chain.Remove(same);
        // Windows' TLS cannot use the ephemeral key a PEM file loads into; a PKCS#12 round trip
        // gives it a usable one, as Kestrel does for its own PEM certificates.
        if (isPem && OperatingSystem.IsWindows())
            certificate = X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);
        return (certificate, chain);
    }

    private static string ReadKey(string keyPath)
    {
        try
        {
            return File.ReadAllText(keyPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigurationException($"Herald:Tls:KeyPath: cannot read the private key '{keyPath}': {e.Message}");
        }
    }

    private static X509Certificate2 ReadPem(string certificatePath, string certificatePem, string keyPath, string keyPem, string? password)
    {
        try
        {
            return string.IsNullOrEmpty(password)
                ? X509Certificate2.CreateFromPem(certificatePem, keyPem)
                : X509Certificate2.CreateFromEncryptedPem(certificatePem, keyPem, password);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            var detail = keyPath == certificatePath
                ? "must hold the certificate and its private key (or give the key in Herald:Tls:KeyPath)"
                : $"and the key in Herald:Tls:KeyPath '{keyPath}' do not make a certificate with its private key";
            throw new ConfigurationException($"Herald:Tls:CertificatePath: the PEM file '{certificatePath}' {detail}: {e.Message}");
        }
    }
}
