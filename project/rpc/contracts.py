"""The base of every app's contracts: frozen pydantic models, compared and serialised by value. No Django."""

import pydantic


class Contract(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(frozen=True)
