using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Herald.Server.Configuration;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace Herald.Server.Tls;

/// <summary>
/// Client-certificate login on the MQTT TLS listener: a certificate is trusted only when it chains
/// to one of the CAs in <c>Herald:Tls:ClientCaPath</c> (not the machine's store), and the name
/// <c>Herald:Tls:ClientCertificateUsername</c> picks becomes the client's username, as
/// Mosquitto's <c>use_identity_as_username</c>.
/// </summary>
public sealed class ClientCertificates(X509Certificate2Collection authorities, TlsOptions options)
{
    /// <summary>The configured CAs, or null when client certificates are off.</summary>
    /// <exception cref="ConfigurationException">The file cannot be read or holds no certificate.</exception>
    public static ClientCertificates? Load(TlsOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.ClientCaPath))
            return null;
        var authorities = new X509Certificate2Collection();
        try
        {
            authorities.ImportFromPemFile(options.ClientCaPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
        {
            throw new ConfigurationException($"Herald:Tls:ClientCaPath '{options.ClientCaPath}' cannot be read: {e.Message}");
        }
        if (authorities.Count == 0)
            throw new ConfigurationException($"Herald:Tls:ClientCaPath '{options.ClientCaPath}' holds no PEM certificate");
        return new ClientCertificates(authorities, options);
    }

    /// <summary>Asks TLS clients for a certificate and checks it against the configured CAs only.</summary>
    public void Apply(HttpsConnectionAdapterOptions https)
    {
        https.ClientCertificateMode = options.RequireClientCertificate ? ClientCertificateMode.RequireCertificate : ClientCertificateMode.AllowCertificate;
        https.ClientCertificateValidation = (certificate, _, _) => IsTrusted(certificate);
    }

    /// <summary>The username a verified certificate stands for; null when it has no such name.</summary>
    public string? Identity(X509Certificate2 certificate)
    {
        var name = options.ClientCertificateUsername == ClientCertificateName.CommonName
            ? certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false)
            : SubjectAlternativeName(certificate);
        return string.IsNullOrEmpty(name) ? null : name;
    }

    private bool IsTrusted(X509Certificate2 certificate)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.ApplicationPolicy.Add(new System.Security.Cryptography.Oid("1.3.6.1.5.5.7.3.2")); // client authentication
        return chain.Build(certificate);
    }

    private static string? SubjectAlternativeName(X509Certificate2 certificate)
    {
        var extension = certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().FirstOrDefault();
        return extension?.EnumerateDnsNames().FirstOrDefault();
    }
}
