using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace SessionStores.AspNetCore.Internal;

/// <summary>
/// Read-your-writes without the endpoint's body after a failed commit. Installed as the response body while a
/// store-backed session is loaded: the first write, flush or start of the response commits the session <em>before</em>
/// anything reaches the client. When that commit fails, the response has not started, so it is answered with a problem
/// details response (409, 503) and every byte the endpoint goes on writing is discarded. Response.OnStarting stays as a
/// fallback for a response started some other way (a status code is all that can change then). The stream serves
/// <c>Response.Body</c>; <c>Response.BodyWriter</c> and <c>Response.StartAsync</c> are served by <see cref="Feature"/> and
/// <see cref="BodyWriter"/>, which go straight to the server's own writer once committed (no pipe over this stream, no
/// second copy of the body).
/// </summary>
internal sealed partial class CommitOnFirstWriteStream : Stream
{
    private readonly HttpContext _context;
    private readonly IHttpResponseBodyFeature _prior;
    private readonly IResponseCommit _session;
    private readonly StoreBackedSessionOptions _options;
    private readonly BodyWriter _writer;
    private Task? _committing;
    private bool _discard;

    private CommitOnFirstWriteStream(HttpContext context, IHttpResponseBodyFeature prior, IResponseCommit session, StoreBackedSessionOptions options)
    {
        _context = context;
        _prior = prior;
        _session = session;
        _options = options;
        _writer = new BodyWriter(this);
    }

    /// <summary>Whether the commit ran and succeeded or was answered: writes may go to the prior body (or be dropped).</summary>
    private bool IsCommitted => _committing is { IsCompletedSuccessfully: true };

    /// <summary>Puts the stream in front of the response body, until <see cref="Installed.CompleteAsync"/>.</summary>
    public static Installed Install(HttpContext context, IResponseCommit session, StoreBackedSessionOptions options)
    {
        var prior = context.Features.GetRequiredFeature<IHttpResponseBodyFeature>();
        var stream = new CommitOnFirstWriteStream(context, prior, session, options);
        var feature = new Feature(stream);
        context.Features.Set<IHttpResponseBodyFeature>(feature);
        return new Installed(context, stream, feature);
    }

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override async Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        await EnsureCommittedAsync().ConfigureAwait(false);
        if (!_discard)
        {
            await _prior.Stream.WriteAsync(buffer.AsMemory(offset, count), cancellationToken).ConfigureAwait(false);
        }
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await EnsureCommittedAsync().ConfigureAwait(false);
        if (!_discard)
        {
            await _prior.Stream.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
        }
    }

    public override async Task FlushAsync(CancellationToken cancellationToken)
    {
        await EnsureCommittedAsync().ConfigureAwait(false);
        if (!_discard)
        {
            await _prior.Stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    // Synchronous I/O cannot commit without blocking on a store call: it goes straight through, and the OnStarting
    // fallback commits (Kestrel forbids synchronous I/O unless the application allowed it).
    public override void Write(byte[] buffer, int offset, int count)
    {
        if (!_discard)
        {
            _prior.Stream.Write(buffer, offset, count);
        }
    }

    public override void Flush()
    {
        if (!_discard)
        {
            _prior.Stream.Flush();
        }
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    /// <summary>Commits once (the first write, flush or start of any kind); later calls get the same task.</summary>
    private Task EnsureCommittedAsync() => _committing ??= CommitAsync();

    private async Task CommitAsync()
    {
        if (!_context.Response.HasStarted && await _session.CommitBeforeResponseAsync().ConfigureAwait(false) is { } failure && !_context.Response.HasStarted)
        {
            // The problem goes to the real body; the endpoint's bytes that follow are dropped.
            _discard = true;
            var ours = _context.Features.Get<IHttpResponseBodyFeature>();
            _context.Features.Set(_prior);
            try
            {
                await SessionProblem.WriteAsync(_context, failure, _options).ConfigureAwait(false);
                await _prior.Stream.FlushAsync(_context.RequestAborted).ConfigureAwait(false);
            }
            finally
            {
                _context.Features.Set(ours);
            }

            _writer.DropPending();
            return;
        }

        if (_discard)
        {
            // The request scope answers a failed final commit itself: what the endpoint left buffered is not sent, and
            // nothing here may start the response before that answer.
            _writer.DropPending();
            return;
        }

        if (_writer.HasPending)
        {
            // What the endpoint wrote to BodyWriter before anything started the response goes first, in order.
            await _prior.StartAsync().ConfigureAwait(false);
            _writer.MovePendingTo(_prior.Writer);
        }
    }

    /// <summary>The installed body, completed by the request scope when the pipeline has run.</summary>
    internal sealed class Installed(HttpContext context, CommitOnFirstWriteStream stream, Feature feature)
    {
        /// <summary>Drops whatever the endpoint still writes (the request scope answers a failure itself).</summary>
        public void Discard() => stream._discard = true;

        /// <summary>Puts the prior body back without flushing (the request failed; what the endpoint wrote is dropped).</summary>
        public void Detach()
        {
            if (ReferenceEquals(context.Features.Get<IHttpResponseBodyFeature>(), feature))
            {
                context.Features.Set(stream._prior);
            }
        }

        /// <summary>Flushes what the endpoint left buffered (committing first, if nothing did yet) and puts the prior body
        /// back.</summary>
        public async Task CompleteAsync()
        {
            try
            {
                await feature.CompleteAsync().ConfigureAwait(false);
            }
            finally
            {
                Detach();
            }
        }
    }
}
