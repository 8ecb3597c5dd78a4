using System;
using System.Buffers;
using System.IO;
using System.IO.Pipelines;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http.Features;

namespace SessionStores.AspNetCore.Internal;

/// <summary>The response body feature and <c>BodyWriter</c> around <see cref="CommitOnFirstWriteStream"/>.</summary>
internal sealed partial class CommitOnFirstWriteStream
{
    /// <summary>
    /// The response body while the session is installed. <c>Response.StartAsync</c> commits first (that is how
    /// <c>Response.WriteAsync</c> and the result types begin), then starts the server's response; after that the writer
    /// hands out the server's own buffers, as without a session.
    /// </summary>
    internal sealed class Feature(CommitOnFirstWriteStream body) : IHttpResponseBodyFeature
    {
        public Stream Stream => body;

        public PipeWriter Writer => body._writer;

        public void DisableBuffering() => body._prior.DisableBuffering();

        public async Task StartAsync(CancellationToken cancellationToken = default)
        {
            await body.EnsureCommittedAsync().ConfigureAwait(false);
            if (!body._discard)
            {
                await body._prior.StartAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        public async Task SendFileAsync(string path, long offset, long? count, CancellationToken cancellationToken = default)
        {
            await body.EnsureCommittedAsync().ConfigureAwait(false);
            if (!body._discard)
            {
                await body._prior.SendFileAsync(path, offset, count, cancellationToken).ConfigureAwait(false);
            }
        }

        /// <summary>Commits (if nothing did yet) and sends what the endpoint wrote (the headers, if nothing started the
        /// response); the server completes its own body.</summary>
        public async Task CompleteAsync()
        {
            await body.EnsureCommittedAsync().ConfigureAwait(false);
            if (!body._discard && (body._writer.Unflushed || !body._context.Response.HasStarted))
            {
                await body._writer.FlushAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// <c>Response.BodyWriter</c>: before the commit it buffers (a write that did not start the response first), after it
    /// passes straight to the server's writer, and after a failed commit it drops what it is given.
    /// </summary>
    internal sealed class BodyWriter(CommitOnFirstWriteStream body) : PipeWriter
    {
        private ArrayBufferWriter<byte>? _pending;
        private ArrayBufferWriter<byte>? _dropped;
        private Target _leased;
        private bool _unflushed;
        private long _unflushedBytes;

        private enum Target
        {
            Prior,
            Pending,
            Dropped,
        }

        public bool HasPending => _pending is { WrittenCount: > 0 };

        /// <summary>Whether bytes went to the server's writer since its last flush.</summary>
        public bool Unflushed => _unflushed;

        // System.Text.Json's PipeWriter serialization (WriteAsJsonAsync, minimal-API results) requires these: it flushes
        // once this many bytes are waiting. Counted here, so it holds before the commit, after it, and when dropping.
        public override bool CanGetUnflushedBytes => true;

        public override long UnflushedBytes => _unflushedBytes;

        public override Memory<byte> GetMemory(int sizeHint = 0)
        {
            if (body._discard)
            {
                _leased = Target.Dropped;
                _dropped ??= new ArrayBufferWriter<byte>();
                _dropped.ResetWrittenCount();
                return _dropped.GetMemory(sizeHint);
            }

            if (body.IsCommitted)
            {
                _leased = Target.Prior;
                return body._prior.Writer.GetMemory(sizeHint);
            }

            _leased = Target.Pending;
            return (_pending ??= new ArrayBufferWriter<byte>()).GetMemory(sizeHint);
        }

        public override Span<byte> GetSpan(int sizeHint = 0) =>
            !body._discard && body.IsCommitted ? LeasePrior().GetSpan(sizeHint) : GetMemory(sizeHint).Span;

        public override void Advance(int bytes)
        {
            switch (_leased)
            {
                case Target.Prior:
                    body._prior.Writer.Advance(bytes);
                    _unflushed = true;
                    _unflushedBytes += bytes;
                    break;
                case Target.Pending:
                    _pending!.Advance(bytes);
                    _unflushedBytes += bytes;
                    break;
                default:
                    _dropped!.Advance(bytes);
                    break;
            }
        }

        public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
        {
            var committing = body.EnsureCommittedAsync();
            return committing.IsCompletedSuccessfully ? FlushCommitted(cancellationToken) : FlushAfterCommitAsync(committing, cancellationToken);
        }

        public override void CancelPendingFlush()
        {
            if (body.IsCommitted)
            {
                body._prior.Writer.CancelPendingFlush();
            }
        }

        // Completing the response is the server's (and the request scope's, through the feature): like the stream-based
        // body this replaces, completing the writer only ends this writer's use.
        public override void Complete(Exception? exception = null)
        {
        }

        public override async ValueTask CompleteAsync(Exception? exception = null) => await FlushAsync().ConfigureAwait(false);

        /// <summary>Moves what was buffered before the commit to the server's writer (unflushed, in order).</summary>
        public void MovePendingTo(PipeWriter writer)
        {
            writer.Write(_pending!.WrittenSpan);
            _pending.ResetWrittenCount();
            _unflushed = true;
        }

        /// <summary>Forgets what was buffered before a failed commit.</summary>
        public void DropPending() => _pending?.ResetWrittenCount();

        private PipeWriter LeasePrior()
        {
            _leased = Target.Prior;
            return body._prior.Writer;
        }

        private ValueTask<FlushResult> FlushCommitted(CancellationToken cancellationToken)
        {
            _unflushedBytes = 0;
            if (body._discard)
            {
                return new ValueTask<FlushResult>(new FlushResult(isCanceled: false, isCompleted: false));
            }

            _unflushed = false;
            return body._prior.Writer.FlushAsync(cancellationToken);
        }

        private async ValueTask<FlushResult> FlushAfterCommitAsync(Task committing, CancellationToken cancellationToken)
        {
            await committing.ConfigureAwait(false);
            return await FlushCommitted(cancellationToken).ConfigureAwait(false);
        }
    }
}
