from apps.search import services
from config.celery import app


@app.task(name="search.extract_documents")
def extract_documents() -> int:
    """Beat's sweep: read the text of the documents attached since the last one."""
    return services.extract_pending()
