# One image for the pipeline: Airflow 3 with dbt, DuckDB and Great Expectations from the same lock.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PYTHONPATH=/opt/social-warehouse \
    AIRFLOW_HOME=/opt/airflow \
    AIRFLOW__CORE__DAGS_FOLDER=/opt/social-warehouse/dags \
    AIRFLOW__CORE__LOAD_EXAMPLES=False \
    WAREHOUSE_DATA_DIR=/data

WORKDIR /opt/social-warehouse
COPY requirements.txt .
RUN pip install --no-cache-dir uv==0.13.9 \
 && uv pip install --system --no-cache -r requirements.txt

COPY . .
RUN cd dbt_project && dbt parse --quiet --profiles-dir . \
 && useradd --create-home --uid 50000 airflow \
 && mkdir -p /data /opt/airflow/logs /opt/airflow/secrets \
 && chown -R airflow /data /opt/airflow /opt/social-warehouse/dbt_project
# A named volume mounted on these folders starts as a copy of them, owned by airflow.
USER airflow
