# ringscope service image: API, worker and scheduler run from the same image.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app

# torch is pinned to the CPU build so no CUDA packages are pulled in.
RUN pip install --no-cache-dir "pip>=25.1" \
 && pip install --no-cache-dir --index-url https://download.pytorch.org/whl/cpu torch==2.13.0

COPY pyproject.toml README.md ./
COPY core core
COPY cypher cypher
COPY graph graph
COPY ingest ingest
COPY gnn gnn
COPY detection detection
COPY api api
COPY investigator_ui investigator_ui
COPY ringscope ringscope
RUN pip install --no-cache-dir '.[gnn]'

RUN useradd --create-home --uid 10001 ringscope && mkdir -p /data && chown ringscope /data
USER ringscope
ENV RINGSCOPE_DATA_DIR=/data
EXPOSE 8000
ENTRYPOINT ["ringscope"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]
