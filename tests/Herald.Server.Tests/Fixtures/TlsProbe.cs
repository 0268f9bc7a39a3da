using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Herald.Server.Tests.Fixtures;

/// <summary>Opens TLS connections to a test server and tells what it presented.</summary>
public static class TlsProbe
{
    /// <summary>Completes a handshake with 127.0.0.1:<paramref name="port"/>, trusting anything, and returns the server's certificate.</summary>
    public static async Task<X509Certificate2> ServerCertificateAsync(int port)
    {
        await using var tls = await ConnectAsync(port);
        return X509CertificateLoader.LoadCertificate(tls.RemoteCertificate!.GetRawCertData());
    }

    /// <summary>The SHA-256 thumbprint of the certificate the server on <paramref name="port"/> presents.</summary>
    public static async Task<string> ThumbprintAsync(int port) =>
        (await ServerCertificateAsync(port)).GetCertHashString(HashAlgorithmName.SHA256);

    /// <summary>A TLS stream to 127.0.0.1:<paramref name="port"/> that trusts any certificate, offering <paramref name="alpn"/> when given.</summary>
    public static async Task<SslStream> ConnectAsync(int port, params string[] alpn)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        SslStream? tls = null;
        try
        {
            using var cts = new CancellationTokenSource(Wait.Bound);
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), cts.Token);
            tls = new SslStream(new NetworkStream(socket, ownsSocket: true));
            var options = new SslClientAuthenticationOptions
            {
                TargetHost = "localhost",
                RemoteCertificateValidationCallback = (_, _, _, _) => true,
            };
            if (alpn.Length > 0)
                options.ApplicationProtocols = [.. alpn.Select(p => new SslApplicationProtocol(p))];
            await tls.AuthenticateAsClientAsync(options, cts.Token);
            return tls;
        }
        catch
        {
            if (tls is not null)
                await tls.DisposeAsync();
            else
                socket.Dispose();
            throw;
        }
    }
}
