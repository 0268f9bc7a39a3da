namespace Herald.Server.Configuration;

/// <summary>
/// <c>Herald:Tls</c>: the server certificate for MQTT over TLS (<c>Herald:Mqtt:TlsPort</c>) and
/// HTTPS with secure WebSocket (<c>Herald:Http:TlsPort</c>). Without a certificate those
/// listeners are off.
/// </summary>
public sealed class TlsOptions
{
    /// <summary>A PKCS#12 (.pfx) file, or a PEM certificate (its key in <see cref="KeyPath"/> or in the same file).</summary>
    public string? CertificatePath { get; set; }

    /// <summary>The PKCS#12 password, or the password of an encrypted PEM key.</summary>
    public string? CertificatePassword { get; set; }

    /// <summary>The PEM private key of a PEM certificate.</summary>
    public string? KeyPath { get; set; }

    /// <summary>
    /// Without a configured certificate: true generates a self-signed one for localhost (kept in
    /// <c>{DataDir}/tls</c>), false leaves TLS off; unset means true in the Development environment.
    /// </summary>
    public bool? SelfSigned { get; set; }

    /// <summary>
    /// PEM file of the certificate authorities whose client certificates the MQTT TLS listener
    /// accepts; set, a client showing one is logged in as the name in it (no password asked).
    /// </summary>
    public string? ClientCaPath { get; set; }

    /// <summary>With <see cref="ClientCaPath"/>: refuse TLS clients without a certificate (else they log in as usual).</summary>
    public bool RequireClientCertificate { get; set; }

    /// <summary>Which name of a client certificate is the username: its CommonName, or its first SubjectAlternativeName (DNS, e-mail or URI).</summary>
    public ClientCertificateName ClientCertificateUsername { get; set; } = ClientCertificateName.CommonName;
}

public enum ClientCertificateName
{
    CommonName,
    SubjectAlternativeName,
}
