using Herald.Broker.Auth;
using Herald.Server.Configuration;
using Herald.Server.Mqtt;
using Herald.Server.Tls;
using Microsoft.Extensions.Options;

namespace Herald.Server.Hosting;

/// <summary>Says where Herald listens once started and publishes the first $SYS values; closes every client when the host stops.</summary>
public sealed partial class BrokerLifetime(
    Broker.Broker broker,
    IOptions<HeraldOptions> options,
    ServerCertificate certificate,
    TimeProvider time,
    IHostApplicationLifetime lifetime,
    ILogger<BrokerLifetime> logger,
    IUserStore users,
    StoreSummary? store = null) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        lifetime.ApplicationStarted.Register(() =>
        {
            broker.PublishSysTopics();
            LogCertificate();
            LogAuthentication();
            if (store is null)
                MemoryStorage(logger);
            else
                Restored(logger, store.Path, store.Sessions, store.Messages, store.Retained, store.Elapsed.TotalMilliseconds);
            Listening(logger, DescribeListeners(options.Value, certificate.Certificate is not null));
        });
        // Closing clients as soon as shutdown begins lets Kestrel finish without waiting out its timeout.
        lifetime.ApplicationStopping.Register(broker.Stop);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private void LogAuthentication()
    {
        var count = users.ListUsersAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult().Count;
        var anonymous = options.Value.AllowsAnonymous;
        if (anonymous && count == 0)
            AnonymousOnly(logger);
        else if (anonymous)
            AnonymousAndUsers(logger, count);
        else
            UsersOnly(logger, count);
    }

    /// <summary>Every listener: <c>MQTT on ...; MQTT/TLS on ...; HTTP on ... (dashboard at /, ..., MQTT over WebSocket at /mqtt); HTTPS on ...</c>.</summary>
    private static string DescribeListeners(HeraldOptions o, bool tls)
    {
        var endpoints = $"dashboard at /, API at /api/v1, metrics at /metrics, MQTT over WebSocket at {WebSocketEndpoint.Path}";
        var listeners = new List<string> { $"MQTT on {ListenAddress.Describe(o.Mqtt.Address, o.Mqtt.Port)}" };
        if (tls)
            listeners.Add($"MQTT/TLS on {ListenAddress.Describe(o.Mqtt.Address, o.Mqtt.TlsPort)}");
        listeners.Add($"HTTP on {ListenAddress.Describe(o.Http.Address, o.Http.Port)} ({endpoints})");
        if (tls)
            listeners.Add($"HTTPS on {ListenAddress.Describe(o.Http.Address, o.Http.TlsPort)} ({endpoints})");
        return string.Join("; ", listeners);
    }

    private void LogCertificate()
    {
        if (certificate.Certificate is not { } c)
        {
            TlsOff(logger);
            return;
        }
        var thumbprint = c.GetCertHashString(System.Security.Cryptography.HashAlgorithmName.SHA256);
        if (certificate.IsSelfSigned)
            SelfSigned(logger, certificate.IsNew ? "made" : "reused", certificate.Path!, thumbprint, c.NotAfter.ToUniversalTime());
        else if (c.NotAfter.ToUniversalTime() < time.GetUtcNow().UtcDateTime)
            CertificateExpired(logger, certificate.Path!, c.NotAfter.ToUniversalTime());
        else
            Certificate(logger, c.Subject, certificate.Path!, thumbprint, c.NotAfter.ToUniversalTime());
    }

    [LoggerMessage(EventId = 200, Level = LogLevel.Information, Message = "Herald listening: {Listeners}")]
    private static partial void Listening(ILogger logger, string listeners);

    [LoggerMessage(EventId = 205, Level = LogLevel.Information,
        Message = "Durable store {Path}: restored {Sessions} persistent sessions, {Messages} queued or in-flight messages and {Retained} retained messages in {Milliseconds:0} ms")]
    private static partial void Restored(ILogger logger, string path, int sessions, int messages, int retained, double milliseconds);

    [LoggerMessage(EventId = 206, Level = LogLevel.Warning,
        Message = "Storage is in memory only (Herald:Storage:Provider=Memory): sessions and retained messages are lost when the process ends")]
    private static partial void MemoryStorage(ILogger logger);

    [LoggerMessage(EventId = 207, Level = LogLevel.Information,
        Message = "Authentication: anonymous clients allowed and no users defined, so usernames are not checked (herald user add NAME to require passwords for named users)")]
    private static partial void AnonymousOnly(ILogger logger);

    [LoggerMessage(EventId = 208, Level = LogLevel.Information,
        Message = "Authentication: anonymous clients allowed; a client giving a username must match one of {Users} users")]
    private static partial void AnonymousAndUsers(ILogger logger, int users);

    [LoggerMessage(EventId = 209, Level = LogLevel.Information,
        Message = "Authentication: username and password required ({Users} users; Herald:Auth:AllowAnonymous=false)")]
    private static partial void UsersOnly(ILogger logger, int users);

    [LoggerMessage(EventId = 201, Level = LogLevel.Information,
        Message = "TLS off: MQTT/TLS and HTTPS are not listening (set Herald:Tls:CertificatePath, or Herald:Tls:SelfSigned=true for a self-signed certificate)")]
    private static partial void TlsOff(ILogger logger);

    [LoggerMessage(EventId = 202, Level = LogLevel.Information,
        Message = "TLS with a self-signed certificate for localhost, 127.0.0.1 and ::1 ({Origin}): {Path}, SHA-256 {Thumbprint}, valid until {NotAfter:u}. Clients must be given it to trust it")]
    private static partial void SelfSigned(ILogger logger, string origin, string path, string thumbprint, DateTime notAfter);

    [LoggerMessage(EventId = 203, Level = LogLevel.Information, Message = "TLS with the certificate {Subject} from {Path}, SHA-256 {Thumbprint}, valid until {NotAfter:u}")]
    private static partial void Certificate(ILogger logger, string subject, string path, string thumbprint, DateTime notAfter);

    [LoggerMessage(EventId = 204, Level = LogLevel.Warning, Message = "The TLS certificate {Path} expired on {NotAfter:u}: clients will refuse it")]
    private static partial void CertificateExpired(ILogger logger, string path, DateTime notAfter);
}
